"""The audio of a SIP leg beyond its own prompts: what recorders and mixers get from it and what it
plays of theirs.

Nothing here runs until it is needed (a recorder listens, or the leg joins a bridge or a room): a
leg that only plays prompts and reads digits decodes nothing in order and mixes nothing. From
then on the received audio goes through the session's jitter buffer and each 20 ms frame is
reported twice: to recorders as a ``MediaEvent`` "in" with ``Frames``, and to the leg's mixer as a
``Sound`` of kind ``audio`` (so the mixer's muting applies, and room recorders hear it). What the
platform itself sends (prompts, overlays) is reported "out". What the other members send reaches
this leg through :meth:`LegAudio.hear` and is summed into its stream by the
:class:`~switchboard.network.rtp.mixdown.Mixdown` on the paced sender's tick. Frame times come from
a :class:`~switchboard.network.rtp.mixdown.Timeline` per direction, so recordings have no seams.
"""

import asyncio
import logging
from typing import TYPE_CHECKING

from switchboard.media import RATE, tones
from switchboard.network.channel import Frames, Media, MediaEvent, Speech, Tones
from switchboard.network.mixer import Sound
from switchboard.network.rtp import codec
from switchboard.network.rtp.jitter import JitterBuffer
from switchboard.network.rtp.mixdown import FRAME_SECONDS, Mixdown, Timeline
from switchboard.network.rtp.session import Playout

if TYPE_CHECKING:
    from switchboard.network.sip.legs import SipLeg

log = logging.getLogger("switchboard.sip")


class LegAudio:
    def __init__(self, leg: "SipLeg"):
        self.leg = leg
        self.incoming, self.outgoing = Timeline(), Timeline()
        self.tasks: set[asyncio.Task[None]] = set()
        self._partial = bytearray()

    @property
    def label(self) -> str:
        """Who the far end is, for the other members (its number or SIP address)."""
        leg = self.leg
        return leg.from_ if leg.direction == "inbound" else leg.to

    def capture(self) -> None:
        """Start reporting the leg's audio both ways (idempotent)."""
        rtp = self.leg.rtp
        if rtp.jitter is None:
            rtp.jitter = JitterBuffer()
        if self._received not in rtp.frame_listeners:
            rtp.frame_listeners.append(self._received)
        rtp.on_sent = self._sent

    def joined(self) -> None:
        self.capture()
        if self.leg.rtp.mixdown is None:
            self.leg.rtp.mixdown = Mixdown()

    def left(self) -> None:
        self.leg.rtp.mixdown = None

    def _received(self, pcm: bytes) -> None:
        """A packet's audio, in order; cut into 20 ms frames when the peer packs 10 or 30 ms (the
        mixdown adds frames of one size, and the recorder's timeline steps by 20 ms)."""
        if len(pcm) == codec.FRAME_BYTES and not self._partial:
            self._frame(pcm)
            return
        self._partial += pcm
        while len(self._partial) >= codec.FRAME_BYTES:
            frame = bytes(self._partial[:codec.FRAME_BYTES])
            del self._partial[:codec.FRAME_BYTES]
            self._frame(frame)

    def _frame(self, pcm: bytes) -> None:
        leg = self.leg
        jitter = leg.rtp.jitter
        delay = (jitter.depth - 1) * FRAME_SECONDS if jitter is not None else 0.0
        at = self.incoming.stamp(leg.stack.clock.monotonic() - delay)
        if leg.media_listeners:
            leg.emit(MediaEvent(at, "in", Frames(pcm), FRAME_SECONDS))
        if leg.mixer is not None:
            leg.transmit(Sound("audio", leg.uuid, self.label, seconds=FRAME_SECONDS, at=at, frames=pcm,
                               loud=codec.rms(pcm) > codec.SPEECH_RMS))

    def _sent(self, pcm: bytes) -> None:
        leg = self.leg
        if leg.media_listeners:
            leg.emit(MediaEvent(self.outgoing.stamp(leg.stack.clock.monotonic()), "out", Frames(pcm), FRAME_SECONDS))

    def digit(self, direction: str, digit: str) -> None:
        """A DTMF digit on the line (RFC 4733 or INFO), for recorders (as the tone it stands for)."""
        if self.leg.media_listeners:
            seconds = len(tones.dtmf(digit)) / RATE
            self.leg.emit(MediaEvent(self.leg.stack.clock.monotonic(), direction, Tones(digit), seconds))

    def hear(self, sound: Sound) -> None:
        """What the mixer delivers: another member's audio frames, digits it relays (sent as
        RFC 4733 events), and speech or media (a simulated member's words, the room's sounds),
        rendered and summed in as they arrive."""
        leg = self.leg
        mixdown = leg.rtp.mixdown
        if mixdown is None:  # (the mixer delivers only to legs that are up)
            return
        if sound.kind == "audio" and sound.frames is not None:
            mixdown.put(sound.speaker, sound.frames)
        elif sound.kind == "digits":
            for digit in sound.digits:
                leg.rtp.send_digit(digit)
        elif sound.kind == "voice" and sound.text:
            self._mix_in(Speech(sound.text, "MAN"))
        elif sound.media is not None:
            self._mix_in(sound.media)

    def _mix_in(self, media: Media) -> None:
        task = asyncio.create_task(self._render(media), name=f"mix-in-{self.leg.uuid}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _render(self, media: Media) -> None:
        try:
            pcm = await self.leg.stack.media.render(media)
        except Exception:  # the room's sound is lost for this member; the call goes on
            log.exception("call %s: media for the room could not be rendered", self.leg.uuid)
            return
        mixdown = self.leg.rtp.mixdown
        if mixdown is not None and self.leg.is_up:
            mixdown.add(Playout(pcm))

    def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self._received in self.leg.rtp.frame_listeners:
            self.leg.rtp.frame_listeners.remove(self._received)
        self.leg.rtp.on_sent = None
        self.leg.rtp.mixdown = None
