"""Plivo XML elements: each element's attributes (type, allowed values, default), what it may
contain, and whether it takes text. :mod:`switchboard.voice.document` validates against this.

Defaults are those of Plivo's current documentation (not of the old open-source framework).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from switchboard.webhooks.urls import resolve_url


class AttributeError_(ValueError):
    """An attribute value Plivo would refuse; the message says why."""


Check = Callable[[str], Any]

LANGUAGES = frozenset({
    "arb", "cmn-CN", "cy-GB", "da-DK", "de-DE", "en-AU", "en-GB", "en-GB-WLS", "en-IN", "en-US", "es-ES", "es-MX",
    "es-US", "fr-CA", "fr-FR", "hi-IN", "is-IS", "it-IT", "ja-JP", "ko-KR", "nb-NO", "nl-NL", "pl-PL", "pt-BR", "pt-PT",
    "ro-RO", "ru-RU", "sv-SE", "tr-TR",
})
SSML_TAGS = frozenset({"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w", "cont"})
DTMF_DIGITS = re.compile(r"^[0-9*#A-Da-dwW]+$")


def boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise AttributeError_(f"must be true or false, not {value!r}")


def integer(low: int | None = None, high: int | None = None, clamp_high: bool = False) -> Check:
    def check(value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            raise AttributeError_(f"must be a whole number, not {value!r}") from None
        if low is not None and number < low:
            raise AttributeError_(f"must be at least {low}, not {number}")
        if high is not None and number > high:
            if clamp_high:
                return high
            raise AttributeError_(f"must be at most {high}, not {number}")
        return number

    return check


def one_of(*values: str, case: bool = True) -> Check:
    def check(value: str) -> str:
        for allowed in values:
            if value == allowed or (not case and value.lower() == allowed.lower()):
                return allowed
        raise AttributeError_(f"must be one of {', '.join(values)}, not {value!r}")

    return check


def method(value: str) -> str:
    upper = value.strip().upper()
    if upper not in ("GET", "POST"):
        raise AttributeError_(f"must be GET or POST, not {value!r}")
    return upper


@dataclass(frozen=True)
class Url:
    """The check of a URL-valued attribute or body. Declaring an attribute with it is all it takes:
    :func:`switchboard.voice.document.parse` makes every such value absolute against the URL the
    document came from (:meth:`absolute`), so no element handler resolves anything itself.

    ``keywords`` are values that are not URLs (``beep:1``, ``real``, ``""`` where empty means
    none); ``checked=False`` is for elements not run yet, whose values are accepted as written."""

    keywords: frozenset[str] = frozenset()
    checked: bool = True

    def __call__(self, value: str) -> str:
        if not self.checked:
            return value
        value = value.strip()
        if value.lower() in self.keywords:
            return value.lower()
        if not value:
            raise AttributeError_("must be a URL, not empty")
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) and not re.match(r"^https?://", value, re.I):
            raise AttributeError_(f"must be an http(s) URL, not {value!r}")
        return value

    def absolute(self, value: str, base_url: str | None) -> str:
        """``value`` resolved against ``base_url`` (a keyword, an empty value or no base: as it is)."""
        if not base_url or not value.strip() or value.strip().lower() in self.keywords:
            return value
        try:
            return resolve_url(value, base_url)
        except ValueError:  # unparseable: left as written, for the request to report in the debug log
            return value


url = Url()


def text(max_length: int = 10_000) -> Check:
    def check(value: str) -> str:
        if len(value) > max_length:
            raise AttributeError_(f"must be at most {max_length} characters")
        return value

    return check


def voice(value: str) -> str:
    if value.upper() in ("WOMAN", "MAN"):
        return value.upper()
    if re.match(r"^Polly\.[A-Za-z]+(-Neural)?$", value):
        return value
    raise AttributeError_(f"must be WOMAN, MAN or Polly.<Name>, not {value!r}")


def language(value: str) -> str:
    if value in LANGUAGES:
        return value
    raise AttributeError_(f"{value!r} is not a supported language")


def finish_key(value: str) -> str:
    if value.lower() in ("", "none"):
        return ""
    if len(value) == 1 and value in "0123456789*#":
        return value
    raise AttributeError_(f"must be one of 0-9, *, # or none, not {value!r}")


def finish_keys(value: str) -> str:
    """Record's ``finishOnKey``: any of the keys ends the recording (Plivo's old default was
    ``1234567890*#``); ``""``/``none`` disables it."""
    if value.lower() in ("", "none"):
        return ""
    if all(ch in "0123456789*#" for ch in value):
        return value
    raise AttributeError_(f"must be keys from 0-9, * and #, or none, not {value!r}")


def valid_digits(value: str) -> str:
    if value and all(ch in "0123456789*#" for ch in value):
        return value
    raise AttributeError_(f"must be digits from 0-9, * and #, not {value!r}")


def input_type(value: str) -> frozenset[str]:
    kinds = frozenset(value.lower().split())
    if kinds and kinds <= {"dtmf", "speech"}:
        return kinds
    raise AttributeError_(f"must be dtmf, speech or \"dtmf speech\", not {value!r}")


def auto_or(low: int, high: int) -> Check:
    inner = integer(low, high)

    def check(value: str) -> int | str:
        return "auto" if value.strip().lower() == "auto" else inner(value)

    return check


def hints(value: str) -> list[str]:
    phrases = [phrase.strip() for phrase in value.split(",") if phrase.strip()]
    if len(value) > 10_000 or len(phrases) > 500 or any(len(p) > 100 for p in phrases):
        raise AttributeError_("at most 500 phrases of at most 100 characters, 10000 characters in all")
    return phrases


def any_value(value: str) -> str:
    return value


def confirm_key(value: str) -> str:
    if len(value) == 1 and value in "0123456789*#":
        return value
    raise AttributeError_(f"must be one of 0-9, * or #, not {value!r}")


def dtmf_digits(value: str) -> str:
    if value == "" or DTMF_DIGITS.match(value):
        return value
    raise AttributeError_(f"digits may be 0-9, *, #, A-D, w and W, not {value!r}")


def digit_patterns(value: str) -> list[str]:
    """``digitsMatch``: comma-separated key sequences to watch for."""
    patterns = [p.strip() for p in value.split(",") if p.strip()]
    if not patterns or any(not re.fullmatch(r"[0-9*#]{1,32}", p) for p in patterns) or len(patterns) > 50:
        raise AttributeError_(f"must be comma-separated sequences of 0-9, * and #, not {value!r}")
    return patterns


def sip_headers(value: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for pair in (p.strip() for p in value.split(",") if p.strip()):
        name, equals, content = pair.partition("=")
        if not equals or not re.fullmatch(r"[A-Za-z0-9\-]{1,64}", name) or not re.fullmatch(r"[A-Za-z0-9_.%\-]{0,256}", content):
            raise AttributeError_(f"must be name=value pairs separated by commas (letters, digits), not {pair!r}")
        headers[name] = content
    return headers


def sip_password(value: str) -> str:
    if 8 <= len(value) <= 128:
        return value
    raise AttributeError_("must be 8 to 128 characters")


dial_music = Url(frozenset({"real"}))
room_sound = Url(frozenset({"", "beep:1", "beep:2"}))  # enterSound/exitSound: a beep, a URL answering prompts, or none
unchecked_url = Url(checked=False)
unchecked_sound = Url(frozenset({"", "none", "beep:1", "beep:2"}), checked=False)


MAX_ROOM_NAME = 256


def websocket_url(value: str) -> str:
    """A stream's service URL: ``ws://`` or ``wss://``, at most 2048 characters (Plivo's limit)."""
    value = value.strip()
    if not re.match(r"^wss?://[^/\s]+", value, re.I):
        raise AttributeError_(f"must be a ws:// or wss:// URL, not {value[:80]!r}")
    if len(value) > 2048:
        raise AttributeError_("must be at most 2048 characters")
    return value


def conference_name(value: str) -> str:
    """A room name: what the body says, at most 256 characters, no control characters (REST paths
    carry it)."""
    if len(value) > MAX_ROOM_NAME:
        raise AttributeError_(f"is {len(value)} characters; a conference name may have at most {MAX_ROOM_NAME}")
    if any(ord(ch) < 32 or ch == "/" for ch in value):
        raise AttributeError_("must not contain control characters or '/'")
    return value


@dataclass(frozen=True)
class Spec:
    attributes: dict[str, tuple[Check, Any]]
    children: frozenset[str] = frozenset()
    text: str = "none"  # "none" | "optional" | "required"
    required: frozenset[str] = frozenset()
    supported: bool = True
    body: Check | None = None


PROMPTS = frozenset({"Speak", "Play", "Wait"})
MAX_RECORD_SECONDS = 14_400  # a recording of a whole call is bounded like a call (time_limit)


def _names(*names: str, urls: tuple[str, ...] = (), sounds: tuple[str, ...] = ()) -> dict[str, tuple[Check, Any]]:
    """Attributes of elements Switchboard does not run yet: known by name, values not checked. The
    URL-valued ones (``sounds``: a URL or ``beep:1``/``beep:2``/``none``) are still declared so, and
    resolve against the document like every other URL."""
    table: dict[str, tuple[Check, Any]] = {name: (any_value, None) for name in names}
    table.update({name: (unchecked_url, None) for name in urls})
    table.update({name: (unchecked_sound, None) for name in sounds})
    return table


SPECS: dict[str, Spec] = {
    "Response": Spec({}, frozenset({"Conference", "Dial", "DTMF", "GetDigits", "GetInput", "Hangup", "Message", "Play",
                                    "PreAnswer", "Record", "Redirect", "Speak", "Wait", "MultiPartyCall", "Stream"})),
    "Speak": Spec({"voice": (voice, "WOMAN"), "language": (language, "en-US"), "loop": (integer(0, 10_000, True), 1)},
                  SSML_TAGS, text="required"),
    "Play": Spec({"loop": (integer(0, 10_000, True), 1)}, text="required", body=url),
    "Wait": Spec({"length": (integer(1), 1), "silence": (boolean, False), "minSilence": (integer(0), 2000),
                  "beep": (boolean, False)}),
    "GetDigits": Spec({
        "action": (url, None), "method": (method, "POST"), "timeout": (integer(1), 5), "digitTimeout": (integer(1), 2),
        "finishOnKey": (finish_key, "#"), "numDigits": (integer(1, 99), 99), "retries": (integer(1), 1),
        "redirect": (boolean, True), "playBeep": (boolean, False), "validDigits": (valid_digits, "1234567890*#"),
        "invalidDigitsSound": (url, None), "log": (boolean, True),
    }, PROMPTS),
    "GetInput": Spec({
        "action": (url, None), "method": (method, "POST"), "inputType": (input_type, None),
        "executionTimeout": (integer(5, 60), 15), "digitEndTimeout": (auto_or(2, 10), "auto"),
        "speechEndTimeout": (auto_or(2, 10), "auto"), "finishOnKey": (finish_key, "#"), "numDigits": (integer(1, 32), 32),
        "speechModel": (one_of("default", "command_and_search", "phone_call"), "default"), "hints": (hints, []),
        "language": (language, "en-US"), "interimSpeechResultsCallback": (url, None),
        "interimSpeechResultsCallbackMethod": (method, "POST"), "log": (boolean, True), "redirect": (boolean, True),
        "profanityFilter": (boolean, False),
    }, PROMPTS, required=frozenset({"action", "inputType"})),
    "Redirect": Spec({"method": (method, "POST")}, text="required", body=url),
    "Hangup": Spec({"reason": (one_of("rejected", "busy"), None), "schedule": (integer(1), None)}),
    "PreAnswer": Spec({}, frozenset({"Speak", "Play", "Wait", "GetDigits", "Redirect", "Message", "DTMF"})),
    "DTMF": Spec({"async": (boolean, True)}, text="required"),
    "Message": Spec({"src": (text(64), None), "dst": (text(10_000), None), "type": (one_of("sms", "mms", "whatsapp"), "sms"),
                     "callbackUrl": (url, None), "callbackMethod": (method, "POST")}, text="required",
                    required=frozenset({"src", "dst"})),
    "Dial": Spec({
        "action": (url, None), "method": (method, "POST"), "hangupOnStar": (boolean, False),
        "timeLimit": (integer(1, 86_400, True), 14_400), "timeout": (integer(1, 86_400, True), None),
        "callerId": (text(64), None), "callerName": (text(50), None), "confirmSound": (url, None),
        "confirmTimeout": (integer(1, 86_400, True), 120), "confirmKey": (confirm_key, None), "dialMusic": (dial_music, None),
        "callbackUrl": (url, None), "callbackMethod": (method, "POST"), "redirect": (boolean, True),
        "digitsMatch": (digit_patterns, []), "digitsMatchBLeg": (digit_patterns, []), "sipHeaders": (sip_headers, {}),
        "callType": (one_of("voice", "whatsapp"), "voice"),
    }, frozenset({"Number", "User"})),
    "Number": Spec({"sendDigits": (dtmf_digits, ""), "sendOnPreanswer": (boolean, False),
                    "sendDigitsMode": (one_of("rfc2833", "inband", "SIP INFO"), "rfc2833")}, text="required"),
    "User": Spec({"sendDigits": (dtmf_digits, ""), "sendOnPreanswer": (boolean, False), "sipHeaders": (sip_headers, {}),
                  "sipAuthUsername": (text(128), None), "sipAuthPassword": (sip_password, None)}, text="required"),
    "Conference": Spec({
        "muted": (boolean, False), "enterSound": (room_sound, ""), "exitSound": (room_sound, ""),
        "startConferenceOnEnter": (boolean, True), "endConferenceOnExit": (boolean, False), "stayAlone": (boolean, True),
        "waitSound": (url, None), "maxMembers": (integer(1, 20), 20), "record": (boolean, False),
        "recordFileFormat": (one_of("mp3", "wav"), "mp3"), "timeLimit": (integer(1, 86_400, True), 86_400),
        "hangupOnStar": (boolean, False), "action": (url, None), "method": (method, "POST"), "callbackUrl": (url, None),
        "callbackMethod": (method, "POST"), "digitsMatch": (digit_patterns, []), "floorEvent": (boolean, False),
        "redirect": (boolean, True), "relayDTMF": (boolean, True), "sendDigits": (dtmf_digits, ""),
        "recordWhenAlone": (boolean, False), "transcriptionType": (one_of("auto", "hybrid"), None),
        "transcriptionUrl": (url, None), "transcriptionMethod": (method, "POST"),
    }, text="required", body=conference_name),
    "Record": Spec({
        "action": (url, None), "method": (method, "POST"), "fileFormat": (one_of("mp3", "wav"), "mp3"),
        "redirect": (boolean, True), "timeout": (integer(1, 3600), 15), "maxLength": (integer(1, MAX_RECORD_SECONDS), 60),
        "playBeep": (boolean, True), "finishOnKey": (finish_keys, "#"), "recordSession": (boolean, False),
        "startOnDialAnswer": (boolean, False), "transcriptionType": (one_of("auto", "hybrid"), None),
        "transcriptionUrl": (url, None), "transcriptionMethod": (method, "POST"),
        "transcriptionReportType": (any_value, None), "callbackUrl": (url, None), "callbackMethod": (method, "POST"),
        "recordChannelType": (one_of("mono", "stereo"), "stereo"),
    }),
    # Not run yet (skipped with a debug-log entry), but a misspelt attribute is still 8011 as on Plivo.
    "MultiPartyCall": Spec(_names(
        "role", "maxDuration", "maxParticipants", "waitMusicMethod", "waitTime", "agentHoldMusicMethod",
        "customerHoldMusicMethod", "record", "recordParticipantTrack", "recordFileFormat", "recordMinMemberCount",
        "recordingCallbackMethod", "statusCallbackMethod", "statusCallbackEvents", "stayAlone", "coachMode", "mute",
        "hold", "startMpcOnEnter", "endMpcOnExit", "enterSoundMethod", "exitSoundMethod", "onExitActionMethod",
        "relayDTMFInputs", "startRecordingAudioMethod", "stopRecordingAudioMethod", "transcript", "waitForAgent",
        "recordCoachVoice",
        urls=("waitMusicUrl", "agentHoldMusicUrl", "customerHoldMusicUrl", "recordingCallbackUrl", "statusCallbackUrl",
              "onExitActionUrl", "startRecordingAudio", "stopRecordingAudio", "transcriptionUrl"),
        sounds=("enterSound", "exitSound"),
    ), text="required", required=frozenset({"role"}), supported=False),
    # The body is the WebSocket (wss://) URL the stream connects to: absolute, never resolved.
    "Stream": Spec({
        "bidirectional": (boolean, False), "audioTrack": (one_of("inbound", "outbound", "both"), "inbound"),
        "streamTimeout": (integer(1), 86_400), "statusCallbackUrl": (url, None), "statusCallbackMethod": (method, "POST"),
        "contentType": (one_of("audio/x-l16;rate=8000", "audio/x-l16;rate=16000", "audio/x-mulaw;rate=8000"),
                        "audio/x-l16;rate=8000"),
        "extraHeaders": (text(512), ""), "keepCallAlive": (boolean, False), "noiseCancellation": (boolean, False),
        "noiseCancellationLevel": (integer(60, 100), 85),
    }, text="required", body=websocket_url),
}

# Elements before which an inbound call is not answered (Plivo answers lazily).
DO_NOT_ANSWER = frozenset({"Wait", "PreAnswer", "Hangup", "Dial"})
