"""RFC 4733 telephone-events: decoding digits from a stream, and the packets that send one.

A digit is reported once per event timestamp: senders repeat the end packet three times and
may repeat the start, and the marker bit is not reliable (RFC 4733 §2.5.1.3). A repeated
identical digit has a new timestamp.
"""

import struct

EVENTS = "0123456789*#ABCD"
VOLUME = 10  # -10 dBm0


class EventDecoder:
    def __init__(self) -> None:
        self._reported: set[int] = set()
        self._order: list[int] = []

    def feed(self, timestamp: int, payload: bytes) -> str | None:
        """The digit this packet starts, or None (a repeat, an unknown event, a short packet)."""
        if len(payload) < 4 or payload[0] >= len(EVENTS) or timestamp in self._reported:
            return None
        self._reported.add(timestamp)
        self._order.append(timestamp)
        if len(self._order) > 64:
            self._reported.discard(self._order.pop(0))
        return EVENTS[payload[0]]


def event_payloads(digit: str, duration_ms: int = 160, packet_ms: int = 20) -> list[tuple[bytes, bool]]:
    """The payloads of one event (with their marker bit), all sharing one timestamp: updates every
    ``packet_ms`` and the end packet three times."""
    event = EVENTS.index(digit.upper())
    packets: list[tuple[bytes, bool]] = []
    step = packet_ms * 8
    total = duration_ms * 8
    for index, elapsed in enumerate(range(step, total, step)):
        packets.append((struct.pack("!BBH", event, VOLUME, elapsed), index == 0))
    end = struct.pack("!BBH", event, 0x80 | VOLUME, total)
    packets += [(end, False)] * 3
    return packets
