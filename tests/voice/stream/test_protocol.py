"""The stream's formats and messages without a call: conversions, what the application may send,
and the track timeline (rendered media laid where it started, late renderings not cut)."""

import audioop
import base64
import json

import numpy as np
import pytest

from switchboard.media import tones
from switchboard.voice.stream import formats, protocol
from switchboard.voice.stream.capture import FRAME_SAMPLES, SILENT_FRAME, Track
from switchboard.voice.stream.session import extra_header_pairs, signed_urls


def test_content_types_parse_and_refuse() -> None:
    assert formats.parse("audio/x-l16;rate=16000") == formats.Format("audio/x-l16", 16000)
    assert formats.parse("audio/x-mulaw;rate=8000").bytes_per_second() == 8000
    for bad in ("audio/x-mulaw;rate=16000", "audio/wav", "audio/x-l16;rate=44100", "audio/x-l16;bits=8"):
        with pytest.raises(formats.FormatError):
            formats.parse(bad)


def test_encoding_for_each_format_has_the_right_size_and_round_trips() -> None:
    pcm = tones.beep(0.02, 440).astype("<i2").tobytes()
    assert len(pcm) == 320
    mulaw = formats.Encoder(formats.parse("audio/x-mulaw;rate=8000")).encode(pcm)
    wide = formats.Encoder(formats.parse("audio/x-l16;rate=16000")).encode(pcm)
    assert len(mulaw) == 160 and abs(len(wide) - 640) <= 8
    back = np.frombuffer(formats.decode(formats.Format("audio/x-mulaw", 8000), mulaw), dtype=np.int16)
    assert np.abs(back.astype(int) - np.frombuffer(pcm, dtype=np.int16)).max() < 300
    assert formats.decode(formats.Format("audio/x-l16", 8000), pcm) == pcm  # little-endian, as sent
    with pytest.raises(formats.FormatError):
        formats.decode(formats.Format("audio/x-l16", 8000), b"\x01\x02\x03")


def play_audio(content_type: str, rate: object, payload: bytes) -> str:
    return json.dumps({"event": "playAudio", "media": {"contentType": content_type, "sampleRate": rate,
                                                       "payload": base64.b64encode(payload).decode()}})


def test_play_audio_in_any_allowed_format_becomes_8_khz_pcm() -> None:
    second = audioop.lin2ulaw(bytes(16000), 2)
    assert len(protocol.parse(play_audio("audio/x-mulaw", "8000", second)).pcm) == 16000  # type: ignore[union-attr]
    wide = protocol.parse(play_audio("audio/x-l16", 16000, bytes(32000)))
    assert abs(len(wide.pcm) - 16000) <= 4  # type: ignore[union-attr]
    assert isinstance(protocol.parse('{"event":"clearAudio","streamId":"x"}'), protocol.ClearAudio)
    assert protocol.parse('{"event":"checkpoint","name":"a"}') == protocol.Checkpoint("a")
    assert protocol.parse('{"event":"sendDTMF","dtmf":"12w#"}') == protocol.SendDigits("12w#")


@pytest.mark.parametrize("message, why", [
    ("{", "not JSON"), ("3", "JSON object"), ('{"event":"stop"}', "unknown event"),
    (play_audio("audio/x-mulaw", "eight", b"x"), "not a number"),
    ('{"event":"playAudio","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"%%%"}}', "not base64"),
    ('{"event":"checkpoint"}', "needs a name"), ('{"event":"sendDTMF","dtmf":""}', "sendDTMF needs"),
    ('{"event":"playAudio","media":"x"}', "needs a media object"),
])
def test_messages_that_cannot_be_acted_on_say_why(message: str, why: str) -> None:
    with pytest.raises(protocol.BadMessage, match=why):
        protocol.parse(message)


def test_a_message_over_64_kb_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(protocol.BadMessage, match="65536-byte limit"):
        protocol.parse(play_audio("audio/x-mulaw", 8000, bytes(50_000)))


def test_the_track_lays_media_where_it_started_and_never_cuts_a_late_rendering() -> None:
    track = Track()
    assert track.take(0.0) == SILENT_FRAME
    loud = np.full(FRAME_SAMPLES * 3, 1000, dtype=np.int16)
    track.add(0.04, loud)  # starts in two frames' time
    frames = [np.frombuffer(track.take(0.02 * i), dtype=np.int16) for i in range(1, 6)]
    assert [int(f.max()) for f in frames] == [0, 1000, 1000, 1000, 0]
    track.add(0.0, loud)  # rendered late: starts now, whole
    assert [int(np.frombuffer(track.take(0.12 + 0.02 * i), dtype=np.int16).max()) for i in range(4)] == [1000] * 3 + [0]
    track.frames.append(bytes(320))
    track.add(0.2, loud)
    track.cut(0.21)  # what plays stopped after half a frame
    frame = np.frombuffer(track.take(0.2), dtype=np.int16)
    assert frame[:80].max() == 1000 and frame[80:].max() == 0


def test_signed_urls_and_extra_headers() -> None:
    assert signed_urls("wss://agent.example/ws?x=1") == ("https://agent.example/ws?x=1", "http://agent.example/ws?x=1/websocket")
    assert signed_urls("ws://h:81/a") == ("http://h:81/a", "http://h:81/a/websocket")
    assert extra_header_pairs("userId=12345;sessionId=abc-xyz,bad key=1,novalue") == {"userId": "12345", "sessionId": "abc-xyz"}
