"""The recorder on a simulated leg: a prompt already playing when recording starts is heard from
that point on, a prompt cut short is cut short in the file, and silence stays silent."""

import asyncio

import numpy as np

from switchboard.core.clock import VirtualClock
from switchboard.network.channel import Speech
from switchboard.network.sim.legs import SimLeg
from switchboard.network.sim.phones import PhoneBook
from switchboard.voice.recording.recorder import Recorder


def peak(pcm: bytes, start: float, end: float) -> int:
    samples = np.frombuffer(pcm, dtype=np.int16)[int(start * 8000):int(end * 8000)]
    return int(np.abs(samples.astype(np.int32)).max()) if len(samples) else 0


async def _record(start_after: float, stop_media_after: float | None) -> tuple[bytes, float]:
    clock = VirtualClock(auto=False)
    leg = SimLeg(clock, PhoneBook(clock), "14155557719", uuid="u1", direction="inbound", from_="a", to="b")
    prompt = asyncio.create_task(leg.play(Speech("this prompt is long enough to be cut in the middle of it")))
    await asyncio.sleep(0)
    clock.advance(start_after)
    recorder = Recorder(("out",))
    recorder.start(clock.monotonic())
    recorder.attach(leg, clock.monotonic())
    if stop_media_after is not None:
        clock.advance(stop_media_after)
        leg.stop_media()
        assert await prompt is False
    clock.advance(5.0 - (stop_media_after or 0.0))
    await prompt
    recorder.stop(clock.monotonic())
    return await recorder.render(lambda url: asyncio.sleep(0, b"")), recorder.seconds


def test_a_recording_started_mid_prompt_hears_the_rest_of_it() -> None:
    pcm, seconds = asyncio.run(_record(start_after=1.0, stop_media_after=None))
    assert 5.0 <= seconds <= 5.01
    assert peak(pcm, 0.0, 1.5) > 3000  # the prompt goes on (it started a second before the recording)
    assert peak(pcm, 4.5, 5.0) == 0  # and ended before the recording did


def test_a_prompt_cut_short_is_cut_short_in_the_file() -> None:
    pcm, _ = asyncio.run(_record(start_after=0.0, stop_media_after=1.0))
    assert peak(pcm, 0.1, 0.9) > 3000
    assert peak(pcm, 1.05, 5.0) == 0
