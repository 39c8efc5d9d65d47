"""The SIP leg's listener fed frame by frame (no network): where speech starts and ends, what a
flush keeps, in-band digits (only when enabled, and not once RFC 4733 events arrive), beeps."""

import numpy as np

from switchboard.media import tones, tts
from switchboard.network.rtp import codec
from switchboard.network.sip.listening import LONGEST_FRAMES, MAX_UTTERANCE, Listening


def feed(listening: Listening, pcm: bytes | np.ndarray) -> None:
    data = pcm.tobytes() if isinstance(pcm, np.ndarray) else pcm
    for i in range(0, len(data) - codec.FRAME_BYTES + 1, codec.FRAME_BYTES):
        listening.feed(data[i:i + codec.FRAME_BYTES])


def quiet(seconds: float) -> bytes:
    return tones.silence(seconds).tobytes()


async def test_an_answer_ends_after_the_silence_asked_for_and_keeps_its_edges() -> None:
    listening = Listening(lambda digit: None)
    speech = tts.synthesize("Sales")
    feed(listening, quiet(1.0))
    assert not listening.speaking
    feed(listening, speech)
    assert listening.speaking and listening.changed.done() is False  # replaced after waking waiters
    feed(listening, quiet(0.6))
    assert listening.take(1.0) is None  # 0.6 s of silence does not end it when 1 s is asked for
    feed(listening, quiet(0.6))
    heard = listening.take(1.0)
    assert heard is not None and not listening.speaking
    assert 0.3 < heard.seconds <= len(speech) / 16000 + 0.02
    assert len(heard.pcm) > len(speech)  # the pre-roll and tail around the words
    assert listening.take(1.0) is None


async def test_a_pause_shorter_than_the_end_silence_keeps_one_utterance() -> None:
    listening = Listening(lambda digit: None)
    feed(listening, tts.synthesize("Sales"))
    feed(listening, quiet(1.0))
    feed(listening, tts.synthesize("Support"))
    feed(listening, quiet(2.1))
    heard = listening.take(2.0)
    assert heard is not None and heard.seconds > 1.5


async def test_a_click_is_not_speech_and_a_long_talker_is_cut() -> None:
    listening = Listening(lambda digit: None)
    click = np.zeros(480, dtype=np.int16)
    click[:160] = 12000
    feed(listening, click)
    feed(listening, quiet(0.5))
    assert not listening.speaking
    feed(listening, tones.tone((300, 500), MAX_UTTERANCE + 0.5))
    heard = listening.take(5.0)
    assert heard is not None and heard.seconds >= MAX_UTTERANCE - 0.1


async def test_endless_sound_nobody_listens_to_keeps_a_bounded_buffer() -> None:
    listening = Listening(lambda digit: None)
    feed(listening, tones.tone((440,), 3 * MAX_UTTERANCE))
    assert len(listening.audio) <= LONGEST_FRAMES * codec.FRAME_BYTES
    heard = listening.take(1.0)
    assert heard is not None and MAX_UTTERANCE - 0.5 <= heard.seconds <= MAX_UTTERANCE


async def test_flush_forgets_a_finished_answer_but_keeps_one_under_way() -> None:
    listening = Listening(lambda digit: None)
    feed(listening, tts.synthesize("Sales"))
    feed(listening, quiet(0.5))
    listening.flush()
    assert not listening.speaking and listening.take(0.1) is None
    feed(listening, tts.synthesize("Support"))
    listening.flush()
    assert listening.speaking


async def test_inband_digits_only_when_enabled_and_never_as_speech() -> None:
    heard: list[str] = []
    listening = Listening(heard.append)
    feed(listening, tones.dtmf("12"))
    assert heard == [] and listening.speaking  # with the option off, tones are just sound
    feed(listening, quiet(0.5))
    listening.flush()
    listening.set_inband_dtmf(True)
    feed(listening, tones.dtmf("34#"))
    assert heard == ["3", "4", "#"] and not listening.speaking


async def test_an_rfc4733_event_turns_inband_detection_off() -> None:
    heard: list[str] = []
    listening = Listening(heard.append)
    listening.set_inband_dtmf(True)
    events = listening.out_of_band(heard.append)
    events("7")
    feed(listening, tones.dtmf("7"))  # the same key, also in band: not counted twice
    assert heard == ["7"]


async def test_a_beep_is_reported_only_while_watched() -> None:
    listening = Listening(lambda digit: None)
    feed(listening, tones.beep(0.5, 1000))
    assert not listening.beeped
    listening.watch_beep(True)
    waiter = listening.changed
    feed(listening, tts.synthesize("Please leave a message after the tone."))
    assert not listening.beeped
    feed(listening, tones.beep(0.5, 1000))
    assert listening.beeped and waiter.done()
