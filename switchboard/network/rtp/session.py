"""One RTP stream of a call: a UDP socket, what it sends each 20 ms, and what it received.

Sending is driven by the :class:`~switchboard.network.rtp.pacer.Pacer` (one ticker for all
streams): each tick the session sends the next frame of what is playing, silence, or an RFC 4733
event packet while digits are being sent. Timestamps advance by 160 samples per frame.

Receiving: symmetric RTP (RFC 4961) with latching. Packets from the address the SDP named are
the peer's at once. Behind NAT (or when a phone names its LAN address) the packets come from
elsewhere: such a source becomes the peer after :data:`PROBATION` packets in sequence, and we send
there from then on. Once latched, packets from any other source are dropped and counted, so a
third party cannot inject audio or digits into the call. Telephone-events are decoded inline; audio is
decoded only when something listens (energy for tests and VAD, a jitter buffer for consumers).
"""

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable

from switchboard.network.rtp import codec, dtmf, packet
from switchboard.network.rtp.jitter import JitterBuffer
from switchboard.network.rtp.mixdown import Mixdown

log = logging.getLogger("switchboard.rtp")
PROBATION = 3


class Playout:
    """PCM (8 kHz, 16-bit mono) being sent; ``done`` resolves True at its end, False if stopped."""

    def __init__(self, pcm: bytes):
        self.pcm, self.position = pcm, 0
        self.done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def next_frame(self) -> bytes | None:
        if self.position >= len(self.pcm):
            if not self.done.done():
                self.done.set_result(True)
            return None
        frame = self.pcm[self.position:self.position + codec.FRAME_BYTES]
        self.position += codec.FRAME_BYTES
        return frame.ljust(codec.FRAME_BYTES, b"\0")

    def stop(self) -> None:
        if not self.done.done():
            self.done.set_result(False)


class RtpSession(asyncio.DatagramProtocol):
    def __init__(self, on_digit: Callable[[str], None]):
        self.on_digit = on_digit
        self.transport: asyncio.DatagramTransport | None = None
        self.local_port = 0
        self.remote: tuple[str, int] | None = None
        self.expected_host: str | None = None
        self.latched = False
        self._candidate: tuple[tuple[str, int], int, int] | None = None
        self.payload_type = 0
        self.event_pt: int | None = None
        self.ssrc = random.getrandbits(32)
        self.sequence = random.getrandbits(16)
        self.timestamp = random.getrandbits(32)
        self.sending = False
        self.queue: deque[Playout] = deque()
        self.overlays: list[Playout] = []
        self.digits_out: deque[tuple[list[tuple[bytes, bool]], asyncio.Future[None] | None]] = deque()
        self._event: list[tuple[bytes, bool]] | None = None
        self._event_done: asyncio.Future[None] | None = None
        self._event_ts = 0
        self.decoder = dtmf.EventDecoder()
        self.jitter: JitterBuffer | None = None
        self.on_audio: Callable[[bytes], None] | None = None
        self.last_played = float("-inf")
        """Loop time of the last 20 ms of a prompt sent (see ``SipLeg.hangup``)."""
        self.frame_listeners: list[Callable[[bytes], None]] = []
        """Consumers of the received audio in order, a 20 ms frame at a time (after :attr:`jitter`)."""
        self.on_sent: Callable[[bytes], None] | None = None
        """Told each frame the platform itself sends (prompts, overlays; not :attr:`mixdown`)."""
        self.mixdown: Mixdown | None = None
        """The other members' audio while the leg is in a mixer, added to what is sent."""
        self.packets_in = self.packets_out = self.wrong_source = self.loud_frames = 0
        self.last_rx = asyncio.get_running_loop().time()

    async def open(self, host: str) -> int:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=(host, 0))
        assert self.transport is not None
        self.local_port = self.transport.get_extra_info("sockname")[1]
        return self.local_port

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's UDP transport is not a subclass

    def configure(self, host: str, port: int, payload_type: int, event_pt: int | None) -> None:
        """Where to send (from the peer's SDP) and with which payload types."""
        self.expected_host = host
        if not self.latched:
            self.remote = (host, port)
        self.payload_type, self.event_pt = payload_type, event_pt

    def close(self) -> None:
        self.sending = False
        for playout in [*self.queue, *self.overlays]:
            playout.stop()
        self.queue.clear()
        for _, done in self.digits_out:
            if done is not None and not done.done():
                done.set_result(None)
        if self._event_done is not None and not self._event_done.done():
            self._event_done.set_result(None)
        if self.transport is not None:
            self.transport.close()

    # --- receiving ---------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        rtp = packet.parse(data)
        if rtp is None:
            return
        if addr != self.remote or not self.latched:
            if not self._learn(addr, rtp.sequence):
                self.wrong_source += 1
                return
        self.packets_in += 1
        self.last_rx = asyncio.get_running_loop().time()
        if rtp.payload_type == self.event_pt and self.event_pt is not None:
            digit = self.decoder.feed(rtp.timestamp, rtp.payload)
            if digit is not None:
                self.on_digit(digit)
            return
        if rtp.payload_type not in (0, 8):
            return
        self.heard(rtp.sequence, codec.decode(rtp.payload_type, rtp.payload))

    def heard(self, sequence: int, pcm: bytes) -> None:
        """A received 20 ms frame of audio (8 kHz 16-bit mono) to its consumers."""
        if codec.rms(pcm) > codec.SPEECH_RMS:
            self.loud_frames += 1
        if self.jitter is not None:
            self.jitter.put(sequence, pcm)
            for frame in self.jitter.pop():
                for listener in list(self.frame_listeners):
                    try:
                        listener(frame)
                    except Exception:  # a consumer's bug must not take the call's media down with it
                        log.exception("RTP frame consumer failed; it hears no more of this stream")
                        self.frame_listeners.remove(listener)
        if self.on_audio is not None:
            self.on_audio(pcm)

    def _learn(self, addr: tuple[str, int], sequence: int) -> bool:
        """Whether to latch onto ``addr``: at once when it is the address the SDP named, else
        after :data:`PROBATION` packets in sequence from it (and never once latched)."""
        if self.latched or self.expected_host is None:
            return False
        if addr == self.remote:
            self.latched = True
            return True
        previous = self._candidate
        if previous is not None and previous[0] == addr and (sequence - previous[1]) & 0xFFFF == 1:
            self._candidate = (addr, sequence, previous[2] + 1)
        else:
            self._candidate = (addr, sequence, 1)
        if self._candidate[2] >= PROBATION:
            self.remote, self.latched = addr, True
            return True
        return False

    # --- sending -----------------------------------------------------------------------------

    def play(self, pcm: bytes) -> Playout:
        playout = Playout(pcm)
        self.queue.append(playout)
        return playout

    def overlay(self, pcm: bytes) -> Playout:
        playout = Playout(pcm)
        self.overlays.append(playout)
        return playout

    def stop_playing(self) -> None:
        while self.queue:
            self.queue.popleft().stop()

    def send_digit(self, digit: str) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.event_pt is None:
            done.set_result(None)  # the peer takes no telephone-events; in-band tones are not sent
            return done
        self.digits_out.append((dtmf.event_payloads(digit), done))
        return done

    def tick(self) -> None:
        """Send this 20 ms slot's packet (called by the pacer)."""
        if self.transport is None or self.remote is None or not self.sending:
            return
        if self._event is None and self.digits_out:
            self._event, self._event_done = self.digits_out.popleft()
            self._event_ts = self.timestamp
        if self._event is not None:
            payload, marker = self._event.pop(0)
            data = packet.build(self.event_pt or 101, self.sequence, self._event_ts, self.ssrc, payload, marker)
            if not self._event:
                self._event = None
                if self._event_done is not None and not self._event_done.done():
                    self._event_done.set_result(None)
            self.timestamp += codec.FRAME_SAMPLES
        else:
            frame = self._next_frame()
            if self.on_sent is not None or self.mixdown is not None:
                frame = self._with_others(frame)
            data = packet.build(self.payload_type, self.sequence, self.timestamp, self.ssrc,
                                codec.encode(self.payload_type, frame))
            self.timestamp += codec.FRAME_SAMPLES
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.packets_out += 1
        self.transport.sendto(data, self.remote)

    def _with_others(self, frame: bytes) -> bytes:
        """Report ``frame`` (what the platform sends) and add the mixer's audio to it. A failure
        here is logged and the mix dropped, so the stream itself keeps going (the pacer would
        otherwise stop sending it)."""
        try:
            if self.on_sent is not None:
                self.on_sent(frame)
            mixed = self.mixdown.take() if self.mixdown is not None else None
            return frame if mixed is None else codec.audioop.add(frame, mixed, 2)
        except Exception:
            log.exception("RTP mix or report failed; the stream goes on without them")
            self.on_sent = self.mixdown = None
            return frame

    def _next_frame(self) -> bytes:
        frame = None
        while self.queue and frame is None:
            frame = self.queue[0].next_frame()
            if frame is None:
                self.queue.popleft()
        if frame is not None or self.overlays:
            self.last_played = asyncio.get_running_loop().time()
        if self.overlays:
            mixed = frame or codec.SILENCE
            for playout in list(self.overlays):
                extra = playout.next_frame()
                if extra is None:
                    self.overlays.remove(playout)
                else:
                    mixed = codec.audioop.add(mixed, extra, 2)
            return mixed
        return frame or codec.SILENCE
