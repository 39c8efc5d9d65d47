"""A browser leg's media: ICE, DTLS-SRTP, RTCP multiplexing and BUNDLE from aiortc, in the shape
of an :class:`~switchboard.network.rtp.session.RtpSession` so that everything above it (the SIP
leg, prompts, digit and speech collection, recording, mixers, the pacer) stays as it is.

Sending: the pacer's 20 ms tick takes the next frame of what is playing (as for plain RTP) and
hands it to an audio track; aiortc encodes it (Opus or PCMU, as negotiated) and sends it over
SRTP. Receiving: aiortc decodes what the browser sends; each frame is resampled to 8 kHz mono and
cut into 20 ms frames for the consumers (:meth:`RtpSession.heard`). Digits from a browser come as
SIP INFO (the SIP leg handles them). Digits *to* a browser are sent in-band, as tone pairs in
the audio: aiortc has no telephone-event (RFC 4733) codec nor a DTMF sender, so the answer to a
browser's offer cannot list it and no event packets can be sent.
"""

import asyncio
import logging
from fractions import Fraction

import av
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from switchboard.media import tones
from switchboard.network.rtp import codec
from switchboard.network.rtp.session import RtpSession

log = logging.getLogger("switchboard.webrtc")
CODECS = ("audio/opus", "audio/PCMU")
"""What Switchboard offers a browser: the browser SDK refuses (488) an offer with Chrome's whole
codec list, and takes one limited to these."""
QUEUED_FRAMES = 10
NEGOTIATION_SECONDS = 10.0
CONNECT_SECONDS = 20.0
"""ICE and DTLS must complete within this long after the media starts, or the call ends."""


class WebRtcError(Exception):
    """An offer or answer that cannot make a media session (no audio, no usable codec, no ICE)."""


class _Outgoing(MediaStreamTrack):
    """The audio we send: 20 ms frames pushed by the pacer, pulled by aiortc's sender."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.frames: asyncio.Queue[bytes] = asyncio.Queue(QUEUED_FRAMES)
        self.pts = 0

    def push(self, pcm: bytes) -> None:
        if self.frames.full():
            self.frames.get_nowait()  # the sender fell behind: drop the oldest, keep the delay short
        self.frames.put_nowait(pcm)

    async def recv(self) -> av.AudioFrame:
        pcm = await self.frames.get()
        frame = av.AudioFrame(format="s16", layout="mono", samples=codec.FRAME_SAMPLES)
        frame.planes[0].update(pcm)
        frame.sample_rate, frame.time_base, frame.pts = 8000, Fraction(1, 8000), self.pts
        self.pts += codec.FRAME_SAMPLES
        return frame


class WebRtcMedia(RtpSession):
    def __init__(self) -> None:
        super().__init__(lambda digit: None)
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # no STUN: nothing leaves for a third party
        self.track = _Outgoing()
        self.remote = ("webrtc", 0)  # (the pacer sends only to sessions with a remote)
        self.codec_name = ""
        self._reader: asyncio.Task[None] | None = None
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)
        self.failed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        """Resolves with a reason when ICE or DTLS fails (the leg then ends)."""
        self.settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Resolves when the connection is up, or has failed."""

    async def open(self, host: str) -> int:
        return 0

    async def answer(self, offer: bytes) -> bytes:
        """Our SDP answer to a browser's offer (all candidates included: no trickle)."""
        text = offer.decode("utf-8", "replace")
        if "m=audio" not in text:
            raise WebRtcError("the offer has no audio")
        try:
            await asyncio.wait_for(self.pc.setRemoteDescription(RTCSessionDescription(text, "offer")), NEGOTIATION_SECONDS)
            transceivers = [t for t in self.pc.getTransceivers() if t.kind == "audio"]
            if not transceivers:
                raise WebRtcError("the offer has no audio")
            transceivers[0].direction = "sendrecv"
            self.pc.addTrack(self.track)
            answer = await self.pc.createAnswer()
            await asyncio.wait_for(self.pc.setLocalDescription(answer), NEGOTIATION_SECONDS)
        except WebRtcError:
            raise
        except Exception as exc:  # aiortc raises ValueError, InvalidStateError, ... for bad offers
            raise WebRtcError(str(exc) or type(exc).__name__) from None
        return self._local()

    async def offer(self) -> bytes:
        """Our SDP offer to a browser: one audio stream, Opus and PCMU."""
        transceiver = self.pc.addTransceiver(self.track, direction="sendrecv")
        codecs = [c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType in CODECS]
        transceiver.setCodecPreferences(codecs)
        await asyncio.wait_for(self.pc.setLocalDescription(await self.pc.createOffer()), NEGOTIATION_SECONDS)
        return self._local()

    async def accept(self, answer: bytes) -> None:
        """The browser's SDP answer to our offer."""
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(answer.decode("utf-8", "replace"), "answer"))
        except Exception as exc:
            log.info("WebRTC answer refused: %s", exc)
            self._fail(f"bad answer: {exc}")

    def _local(self) -> bytes:
        description = self.pc.localDescription
        if "a=candidate" not in description.sdp:
            raise WebRtcError("no ICE candidates could be gathered")
        for transceiver in self.pc.getTransceivers():
            codecs = transceiver._codecs if hasattr(transceiver, "_codecs") else []
            if codecs:
                self.codec_name = codecs[0].mimeType
        return description.sdp.encode()

    def configure(self, host: str, port: int, payload_type: int, event_pt: int | None) -> None:
        return  # ICE finds the path; the SDP's connection address means nothing here

    def _on_state(self) -> None:
        state = self.pc.connectionState
        log.info("WebRTC media: %s", state)
        if state == "connected" and not self.settled.done():
            self.settled.set_result(None)
        if state == "failed":
            self._fail(self._failure())

    def _failure(self) -> str:
        """Which handshake failed: ICE (no path to the browser) or DTLS (e.g. a certificate that
        does not match the offer's fingerprint)."""
        if self.pc.iceConnectionState in ("failed", "new", "checking"):
            return "ICE failed: no candidate pair answered the checks"
        return "DTLS handshake failed (the browser's certificate does not match its fingerprint, or no handshake)"

    def timed_out(self) -> None:
        """ICE and DTLS did not complete within :data:`CONNECT_SECONDS` (the leg calls this)."""
        if self.pc.iceConnectionState in ("completed", "connected"):
            self._fail(f"DTLS handshake did not complete within {CONNECT_SECONDS:g} s")
        else:
            self._fail(f"ICE did not complete within {CONNECT_SECONDS:g} s")

    def _fail(self, reason: str) -> None:
        if not self.failed.done():
            self.failed.set_result(reason)
        if not self.settled.done():
            self.settled.set_result(None)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio" and self._reader is None:
            self._reader = asyncio.create_task(self._read(track), name="webrtc-audio-in")

    async def _read(self, track: MediaStreamTrack) -> None:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=8000)
        buffer, sequence = bytearray(), 0
        loop = asyncio.get_running_loop()
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            for out in resampler.resample(frame):
                buffer += bytes(out.planes[0])[: out.samples * 2]
            self.packets_in += 1
            self.last_rx = loop.time()
            while len(buffer) >= codec.FRAME_BYTES:
                pcm = bytes(buffer[: codec.FRAME_BYTES])
                del buffer[: codec.FRAME_BYTES]
                self.heard(sequence, pcm)
                sequence = (sequence + 1) & 0xFFFF

    def send_digit(self, digit: str) -> asyncio.Future[None]:
        """Queue ``digit`` as an in-band tone pair (100 ms of tone, 100 ms of silence); resolves
        once its last frame is sent. Meanwhile what is playing waits, as for a telephone-event."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pcm = tones.dtmf(digit).tobytes()
        pcm += bytes(-len(pcm) % codec.FRAME_BYTES)
        frames = [(pcm[at:at + codec.FRAME_BYTES], False) for at in range(0, len(pcm), codec.FRAME_BYTES)]
        self.digits_out.append((frames, done))
        return done

    def _digit_frame(self) -> bytes | None:
        """The next frame of the digit being sent, if any."""
        while self.digits_out:
            frames, done = self.digits_out[0]
            if frames:
                return frames.pop(0)[0]
            self.digits_out.popleft()
            if done is not None and not done.done():
                done.set_result(None)
        return None

    def tick(self) -> None:
        """Hand this 20 ms slot's audio to the track (called by the pacer)."""
        if not self.sending:
            return
        digit = self._digit_frame()
        if digit is not None:
            self.packets_out += 1
            self.track.push(digit)
            return
        frame = self._next_frame()
        if self.on_sent is not None or self.mixdown is not None:
            frame = self._with_others(frame)
        self.packets_out += 1
        self.track.push(frame)

    def close(self) -> None:
        super().close()
        if self._reader is not None:
            self._reader.cancel()
        self._fail("closed")
        asyncio.get_running_loop().create_task(self.pc.close())
