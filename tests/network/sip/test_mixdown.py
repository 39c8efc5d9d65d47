"""The pieces of SIP audio mixing on their own: the reorder buffer, the per-speaker mixdown a leg's
sender sums each tick, the frame timeline, and the recorder's runs of frames."""

import asyncio
import struct

from switchboard.network.channel import Frames, MediaEvent
from switchboard.network.rtp import packet
from switchboard.network.rtp.codec import FRAME_BYTES, PCMU, SILENCE, encode
from switchboard.network.rtp.jitter import JitterBuffer
from switchboard.network.rtp.mixdown import DEPTH, Mixdown, Timeline
from switchboard.network.rtp.session import Playout, RtpSession
from switchboard.voice.recording.recorder import Recorder


def frame(value: int) -> bytes:
    return struct.pack("<h", value) * (FRAME_BYTES // 2)


def level(pcm: bytes) -> int:
    return struct.unpack_from("<h", pcm)[0]


def test_the_jitter_buffer_reorders_fills_gaps_and_drops_late_packets() -> None:
    jitter = JitterBuffer(depth=3)
    for sequence in (10, 12, 11):
        jitter.put(sequence, frame(sequence))
    assert [level(f) for f in jitter.pop()] == [10]
    for sequence in (14, 15, 16):
        jitter.put(sequence, frame(sequence))
    assert [level(f) for f in jitter.pop()] == [11, 12, 0, 14]  # 13 never came: silence in its slot
    jitter.put(12, frame(12))
    assert jitter.late == 1 and jitter.pop() == []


def test_a_restarted_stream_is_followed_not_dropped_as_late_nor_padded_with_silence() -> None:
    jitter = JitterBuffer(depth=3)
    for sequence in (60000, 60001, 60002, 60003):
        jitter.put(sequence, frame(1))
    assert len(jitter.pop()) == 2
    for sequence in (5, 6, 7):  # the peer starts over far away (a wrap of 0xFFFF would be 5535 frames)
        jitter.put(sequence, frame(2))
    released = jitter.pop()
    assert [level(f) for f in released] == [1, 1, 2] and jitter.restarts == 1 and jitter.late == 0
    for sequence in (65400, 65401, 65402):  # and backwards, further than a late packet could be
        jitter.put(sequence, frame(3))
    assert [level(f) for f in jitter.pop()][-1] == 3 and jitter.restarts == 2


def test_the_mixdown_waits_for_two_frames_sums_speakers_and_saturates() -> None:
    mix = Mixdown()
    mix.put("a", frame(1000))
    assert mix.take() is None  # one frame is not enough to start a speaker (arrival jitter)
    mix.put("a", frame(20000))
    mix.put("b", frame(-3000))
    mix.put("b", frame(30000))
    assert level(mix.take() or b"") == -2000
    assert level(mix.take() or b"") == 32767  # 20000 + 30000 overflows: clipped
    assert mix.take() is None  # both ran dry: they prime again
    assert mix.speakers == {} and mix.underruns == 2


def test_the_mixdown_keeps_its_delay_bounded_and_forgets_a_speaker() -> None:
    mix = Mixdown()
    for value in range(DEPTH + 5):
        mix.put("a", frame(value))
    assert mix.dropped == 5 and level(mix.take() or b"") == 5
    mix.forget("a")
    assert mix.take() is None


def test_media_played_into_the_room_is_summed_until_it_ends() -> None:
    async def run() -> tuple[list[int], bool]:
        mix = Mixdown()
        prompt = Playout(frame(100) * 2)
        mix.add(prompt)
        mix.put("a", frame(5))
        mix.put("a", frame(5))
        levels = [level(mix.take() or SILENCE) for _ in range(3)]
        return levels, prompt.done.result()

    levels, finished = asyncio.run(run())
    assert levels == [105, 105, 0] and finished


def test_the_timeline_is_seamless_and_re_anchors_after_a_pause() -> None:
    line = Timeline(tolerance=0.1)
    assert [line.stamp(now) for now in (10.0, 10.015, 10.047)] == [10.0, 10.02, 10.04]
    assert line.stamp(12.0) == 12.0  # the stream paused: it starts again at the clock


def test_the_recorder_joins_frames_into_runs_and_places_them_in_time() -> None:
    async def run() -> bytes:
        recorder = Recorder(("in", "out"))
        recorder.start(100.0)
        line = Timeline()
        for index in range(50):
            recorder.hear(MediaEvent(line.stamp(100.5 + index * 0.02), "in", Frames(frame(1000)), 0.02))
        recorder.hear(MediaEvent(100.2, "out", Frames(frame(-3000)), 0.02))
        recorder.stop(102.0)
        assert len(recorder._segments["in"]) == 1
        return await recorder.render(lambda url: asyncio.sleep(0, b""))

    pcm = asyncio.run(run())
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    assert len(samples) == 16000
    assert samples[int(0.2 * 8000)] == -3000 and samples[int(0.25 * 8000)] == 0
    assert samples[int(0.5 * 8000)] == 1000 and samples[int(1.49 * 8000)] == 1000 and samples[int(1.6 * 8000)] == 0


def test_a_failing_frame_consumer_is_dropped_and_the_stream_goes_on() -> None:
    async def run() -> tuple[int, int, int]:
        session = RtpSession(lambda digit: None)
        await session.open("127.0.0.1")
        session.configure("127.0.0.1", 9, PCMU, None)
        session.jitter = JitterBuffer()
        heard: list[bytes] = []

        def broken(pcm: bytes) -> None:
            raise ValueError("a consumer's bug")

        session.frame_listeners += [broken, heard.append]
        payload = encode(PCMU, frame(1000))
        for sequence in range(10):
            session.datagram_received(packet.build(PCMU, sequence, sequence * 160, 1, payload), ("127.0.0.1", 9))
        session.close()
        return session.packets_in, len(heard), len(session.frame_listeners)

    packets_in, frames, listeners = asyncio.run(run())
    assert (packets_in, frames, listeners) == (10, 8, 1)
