
"""How well transcription works, measured: a caller on the simulated network leaves known phrases
in a recording, and the word error rate of the transcription delivered to transcriptionUrl must
stay within the stated bound.

What limits it: the caller's speech is eSpeak NG (a robotic voice), band-limited to telephony's
8 kHz and MP3-encoded, and pocketsphinx's bundled model is trained on 16 kHz natural speech with
a general language model. Measured on the 2-core EPYC development machine: WER 0.56 to 0.74 over
twelve runs of each test (the recognizer is sensitive to where the speech falls in the file, which moves by
milliseconds with the real time the platform spends busy). The bound leaves room above the worst
run; a broken pipeline (silence, the wrong audio, no recogniser, a stereo file split wrongly)
scores 0.98 to 1.0.
"""

import pytest
from plivo import plivoxml

from switchboard.media.asr import word_error_rate
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import inbound

pytestmark = pytest.mark.one_backend  # the recogniser's accuracy: no query differs between the databases

WER_BOUND = 0.85
PHRASES = [
    "hello this is john please call me back tomorrow morning",
    "i would like to speak to someone about my bill",
    "i am calling about the order i placed last week",
    "thank you for your help have a nice day",
]


def _wer(references: dict[str, str], heard: dict[str, str]) -> float:
    errors = sum(word_error_rate(text, heard[uuid]) * len(text.split()) for uuid, text in references.items())
    return errors / sum(len(text.split()) for text in references.values())


def test_transcription_word_error_rate(sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_record(action=customer.url("/recorded"), redirect=False, play_beep=False, max_length=60,
                        timeout=3, transcription_type="auto", transcription_url=customer.url("/transcribed"))
    customer.route("/recorded", "")
    customer.route("/transcribed", "")
    xml = response.to_string()
    callers = {}
    for index, phrase in enumerate(PHRASES):  # one message per caller, recorded and transcribed at once
        caller = f"141555578{index:02d}"
        callers[inbound(sim, customer, caller, xml, [{"wait": 0.5}, {"say": phrase}])] = phrase
    heard = {hit.params["call_uuid"]: hit.params["transcription"]
             for hit in customer.wait_for("/transcribed", count=len(PHRASES), timeout=300)}
    wer = _wer(callers, heard)
    print(f"WER {wer:.3f}: {heard}")
    assert wer <= WER_BOUND, f"word error rate {wer:.2f} > {WER_BOUND}: {heard}"


def test_a_stereo_session_is_transcribed_with_both_parties(sim: Sim, customer: CustomerApp) -> None:
    """A ``recordSession`` is stereo by default (caller left, platform right): the transcription
    hears both sides at their own speed (taking every other sample of the mixed-down file as
    "the left channel" played the audio at double speed and scored about 1.0)."""
    prompt = "thank you for calling please tell us why you are calling today"
    response = plivoxml.ResponseElement()
    response.add_record(record_session=True, max_length=60, transcription_type="auto",
                        transcription_url=customer.url("/transcribed-session"))
    response.add_speak(prompt)
    response.add_wait(length=8)
    customer.route("/transcribed-session", "")
    xml = response.to_string()
    calls = {}
    for index, phrase in enumerate(PHRASES[1:3]):
        caller = f"141555579{index:02d}"
        calls[inbound(sim, customer, caller, xml, [{"wait": 5}, {"say": phrase}])] = f"{prompt} {phrase}"
    heard = {hit.params["call_uuid"]: hit.params["transcription"]
             for hit in customer.wait_for("/transcribed-session", count=len(calls), timeout=300)}
    wer = _wer(calls, heard)
    print(f"WER {wer:.3f}: {heard}")
    assert wer <= WER_BOUND, f"word error rate {wer:.2f} > {WER_BOUND}: {heard}"
