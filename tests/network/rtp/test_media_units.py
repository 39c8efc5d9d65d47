"""RTP building blocks: packets, G.711, RFC 4733 events, the reorder buffer, SDP negotiation."""

import struct

from switchboard.network.rtp import codec, dtmf, packet
from switchboard.network.rtp.jitter import JitterBuffer
from switchboard.network.sip import sdp


def test_packets_round_trip_and_rtcp_or_garbage_is_not_rtp() -> None:
    data = packet.build(0, 65535, 2**32 - 1, 42, b"\xff" * 160, marker=True)
    parsed = packet.parse(data)
    assert parsed is not None and (parsed.sequence, parsed.timestamp, parsed.ssrc, parsed.marker) == (65535, 2**32 - 1, 42, True)
    assert packet.parse(b"\x80\xc8" + bytes(30)) is None  # RTCP sender report
    assert packet.parse(b"\x00" * 20) is None and packet.parse(b"\x80") is None
    with_extension = bytes([0x90, 0]) + struct.pack("!HII", 1, 2, 3) + struct.pack("!HH", 0xBEDE, 1) + b"abcd" + b"payload"
    assert packet.parse(with_extension).payload == b"payload"  # type: ignore[union-attr]


def test_g711_round_trip_keeps_a_tone() -> None:
    tone = codec.tone(440, 0.02)
    for payload_type in (sdp.PCMU, sdp.PCMA):
        back = codec.decode(payload_type, codec.encode(payload_type, tone))
        assert len(back) == len(tone) and abs(codec.rms(back) - codec.rms(tone)) < 0.05 * codec.rms(tone)


def test_an_event_is_reported_once_despite_repeated_end_packets() -> None:
    decoder = dtmf.EventDecoder()
    payloads = dtmf.event_payloads("#")
    assert payloads[0][1] is True and all(p[0][1] & 0x80 for p in payloads[-3:])
    heard = [decoder.feed(1000, payload) for payload, _ in payloads]
    assert [digit for digit in heard if digit] == ["#"]
    assert decoder.feed(2000, payloads[0][0]) == "#"  # the same key again: a new timestamp
    assert decoder.feed(3000, b"\x30\x0a\x00\xa0") is None  # event 48 is not a key


def test_the_jitter_buffer_reorders_and_fills_gaps() -> None:
    buffer = JitterBuffer(depth=3)
    sequences = [65534, 65535, 0, 1, 2, 3]  # across the 16-bit wrap
    frames = {seq: bytes([index + 1]) * codec.FRAME_BYTES for index, seq in enumerate(sequences)}
    released: list[bytes] = []
    for seq in [65534, 0, 65535, 1, 3]:  # 2 is lost, the rest arrive out of order
        buffer.put(seq, frames[seq])
        released += buffer.pop()
    assert released[:3] == [frames[65534], frames[65535], frames[0]]
    buffer.put(4, frames[3])
    buffer.put(5, frames[3])
    released += buffer.pop()
    assert released[3:5] == [frames[1], codec.SILENCE]  # the lost frame became silence
    buffer.put(65534, b"late")
    assert buffer.late == 1


def test_sdp_answers_with_the_offerers_event_type_and_refuses_other_codecs() -> None:
    offer = sdp.parse(b"v=0\r\nc=IN IP4 10.0.0.5\r\nm=audio 4000 RTP/AVP 18 8 126\r\na=rtpmap:126 telephone-event/8000\r\na=sendonly\r\n")
    assert (offer.address, offer.port, offer.codec, offer.event_pt, offer.direction) == ("10.0.0.5", 4000, 8, 126, "sendonly")
    assert sdp.negotiate(offer) == (8, 126) and sdp.answer_direction(offer.direction) == "recvonly"
    assert sdp.negotiate(sdp.parse(b"v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 18 9\r\n")) is None
    answer = sdp.parse(sdp.build("192.0.2.1", 5000, [0], 101))
    assert (answer.address, answer.port, answer.payloads, answer.event_pt) == ("192.0.2.1", 5000, [0, 101], 101)
