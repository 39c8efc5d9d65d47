"""The JSON messages of Plivo's stream protocol, both ways (see docs/stream.md).

Messages to the application carry exactly the fields the official stream SDKs' schemas require:
``sequenceNumber`` (a number, from 1, one per message on the socket), ``streamId`` and
``callId`` (UUIDs), ``extra_headers`` (always a string, "" when there are none: the Node SDK
rejects a message without it), ``chunk`` (a number per track, from 1) and ``timestamp`` (a string
of digits: Unix time in milliseconds).

Messages from the application are checked here; :class:`BadMessage` says what is wrong with one,
and the stream logs it and goes on.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from switchboard.voice.stream import formats

MAX_MESSAGE_BYTES = 64 * 1024
"""Plivo's limit on one WebSocket message from the application; larger ones are refused."""
MAX_FRAME_BYTES = 1024 * 1024
"""A message longer than this closes the socket (it is not even read into memory)."""
DIGITS = re.compile(r"^[0-9*#A-Da-dwW]{1,64}$")


class BadMessage(ValueError):
    """A message from the application that cannot be acted on."""


def millis(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))


def start(call_id: str, stream_id: str, account_id: str, tracks: list[str], fmt: formats.Format,
          extra_headers: str) -> dict[str, Any]:
    return {"event": "start",
            "start": {"callId": call_id, "streamId": stream_id, "accountId": account_id, "tracks": tracks,
                      "mediaFormat": {"encoding": fmt.encoding, "sampleRate": fmt.rate}},
            "extra_headers": extra_headers}


def media(stream_id: str, track: str, at_millis: int, chunk: int, payload: bytes, extra_headers: str) -> dict[str, Any]:
    """``at_millis``: Unix time in milliseconds (the pump has it as a number; no datetime per frame)."""
    return {"event": "media", "streamId": stream_id,
            "media": {"track": track, "timestamp": str(at_millis), "chunk": chunk,
                      "payload": binascii.b2a_base64(payload, newline=False).decode("ascii")},
            "extra_headers": extra_headers}


def dtmf(stream_id: str, digit: str, at: datetime, extra_headers: str) -> dict[str, Any]:
    return {"event": "dtmf", "streamId": stream_id,
            "dtmf": {"track": "inbound", "digit": digit, "timestamp": millis(at)}, "extra_headers": extra_headers}


def played_stream(stream_id: str, name: str) -> dict[str, Any]:
    return {"event": "playedStream", "streamId": stream_id, "name": name}


def cleared_audio(stream_id: str) -> dict[str, Any]:
    return {"event": "clearedAudio", "streamId": stream_id}


@dataclass(frozen=True)
class PlayAudio:
    pcm: bytes
    """The audio as the call's 8 kHz PCM."""


@dataclass(frozen=True)
class Checkpoint:
    name: str


@dataclass(frozen=True)
class ClearAudio:
    pass


@dataclass(frozen=True)
class SendDigits:
    digits: str


Command = PlayAudio | Checkpoint | ClearAudio | SendDigits


def parse(text: str | bytes) -> Command:
    """One message from the application; :class:`BadMessage` when it cannot be acted on. Unknown
    keys are ignored (some frameworks add ``streamId`` to ``playAudio``)."""
    if isinstance(text, bytes):
        raise BadMessage("binary frames are not part of the protocol (audio goes base64 in JSON text)")
    if len(text) > MAX_MESSAGE_BYTES:
        raise BadMessage(f"message of {len(text)} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BadMessage(f"not JSON: {text[:60]!r}") from None
    if not isinstance(message, dict):
        raise BadMessage("a message must be a JSON object")
    event = message.get("event")
    if event == "playAudio":
        return _play_audio(message.get("media"))
    if event == "checkpoint":
        name = message.get("name")
        if not isinstance(name, str) or not name:
            raise BadMessage("checkpoint needs a name")
        return Checkpoint(name)
    if event == "clearAudio":
        return ClearAudio()
    if event == "sendDTMF":
        digits = message.get("dtmf")
        if not isinstance(digits, str) or not DIGITS.match(digits):
            raise BadMessage(f"sendDTMF needs dtmf of digits 0-9, *, #, A-D (got {digits!r})")
        return SendDigits("".join(d if d in "wW" else d.upper() for d in digits))
    raise BadMessage(f"unknown event {event!r}")


def _play_audio(media_: Any) -> PlayAudio:
    if not isinstance(media_, dict):
        raise BadMessage("playAudio needs a media object")
    content_type, rate, payload = media_.get("contentType"), media_.get("sampleRate"), media_.get("payload")
    if not isinstance(content_type, str) or not isinstance(payload, str):
        raise BadMessage("playAudio media needs contentType and payload strings")
    try:
        encoding, _, _ = content_type.partition(";")
        fmt = formats.check(encoding.strip(), rate if rate is not None else _rate_of(content_type))
        raw = base64.b64decode(payload, validate=True)
        return PlayAudio(formats.decode(fmt, raw))
    except binascii.Error:
        raise BadMessage("playAudio payload is not base64") from None
    except formats.FormatError as exc:
        raise BadMessage(f"playAudio: {exc}") from None


def _rate_of(content_type: str) -> int:
    match = re.search(r"rate=(\d+)", content_type)
    return int(match.group(1)) if match else 8000
