"""How well transcription works, measured: a caller on the simulated network leaves known phrases
in a recording, and the word error rate of the transcription delivered to transcriptionUrl must
stay within the stated bound.

What limits it: the caller's speech is eSpeak NG (a robotic voice), band-limited to telephony's
8 kHz and MP3-encoded, and pocketsphinx's bundled model is trained on 16 kHz natural speech with
a general language model. Measured on the 2-core EPYC development machine: WER 0.59 to 0.72 over
eight runs (the recognizer is sensitive to where the speech falls in the file, which moves by
milliseconds with the real time the platform spends busy). The bound is above the worst run; a
broken pipeline (silence, the wrong audio, no recogniser) scores about 1.0.
"""

from plivo import plivoxml

from switchboard.media.asr import word_error_rate
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import inbound

WER_BOUND = 0.8
PHRASES = [
    "hello this is john please call me back tomorrow morning",
    "i would like to speak to someone about my bill",
    "i am calling about the order i placed last week",
    "thank you for your help have a nice day",
]


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
    errors = sum(word_error_rate(phrase, heard[uuid]) * len(phrase.split()) for uuid, phrase in callers.items())
    wer = errors / sum(len(phrase.split()) for phrase in PHRASES)
    print(f"WER {wer:.3f}: {heard}")
    assert wer <= WER_BOUND, f"word error rate {wer:.2f} > {WER_BOUND}: {heard}"
