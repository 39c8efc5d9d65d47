"""How well transcription works, measured: a caller on the simulated network leaves known phrases
in a recording, and the word error rate of the transcription delivered to transcriptionUrl must
stay within the stated bound.

What limits it: the caller's speech is eSpeak NG (a robotic voice), band-limited to telephony's
8 kHz and MP3-encoded, and pocketsphinx's bundled model is trained on 16 kHz natural speech with
a general language model. Measured on the 2-core EPYC development machine: WER 0.64 on these
phrases (docs/benchmarks.md). The bound leaves room for small differences between machines; a
broken pipeline (silence, the wrong audio, no recogniser) scores about 1.0.
"""

from plivo import plivoxml

from switchboard.media.asr import word_error_rate
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import inbound

WER_BOUND = 0.75
PHRASES = [
    "hello this is john please call me back tomorrow morning",
    "i would like to speak to someone about my bill",
    "i am calling about the order i placed last week",
    "thank you for your help have a nice day",
]


def test_transcription_word_error_rate(sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_record(action=customer.url("/recorded"), redirect=False, play_beep=False, max_length=120,
                        timeout=5, transcription_type="auto", transcription_url=customer.url("/transcribed"))
    customer.route("/recorded", "")
    customer.route("/transcribed", "")
    script: list[dict[str, object]] = []
    for phrase in PHRASES:
        script += [{"say": phrase}, {"wait": 1}]
    inbound(sim, customer, "14155550701", response.to_string(), script + [{"press": "#"}])
    text = customer.wait_for("/transcribed", timeout=300)[0].params["transcription"]
    wer = word_error_rate(" ".join(PHRASES), text)
    print(f"WER {wer:.3f}: {text!r}")
    assert wer <= WER_BOUND, f"word error rate {wer:.2f} > {WER_BOUND}: {text!r}"
