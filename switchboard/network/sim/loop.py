"""A call from the platform to one of its own numbers, on the simulated network: the outbound leg
and the inbound leg it becomes are each other's far end. What one side plays, the other hears as
speech (or silence); digits one side sends, the other receives; ringing, answer and hangup cross
over. No simulated phone is involved, so nothing goes to the phone book."""

from typing import Any

from switchboard.network.channel import NO_INTERRUPT, Interrupt, Media, MediaEvent, Speech, Utterance
from switchboard.network.mixer import Sound
from switchboard.network.sim.legs import SimLeg, media_seconds
from switchboard.network.sim.speech import DIGIT_GAP, DIGIT_TONE, PAUSES


class LoopLeg(SimLeg):
    """One side of a loop; :attr:`other` is the platform side of the far end."""

    other: "LoopLeg"

    def log(self, kind: str, **detail: Any) -> dict[str, Any]:
        return detail

    async def ring(self) -> None:
        await super().ring()
        self.other.far_end_ringing()

    async def pre_answer(self) -> None:
        await super().pre_answer()
        self.other.far_end_ringing()

    async def answer(self) -> None:
        await super().answer()
        self.other.far_end_answered()

    async def hangup(self, reason: str = "platform") -> None:
        answered = self.answered.done()
        await super().hangup(reason)
        if reason in ("busy", "rejected") and not answered:
            self.other.far_end_ended(reason)
        elif reason in ("unallocated", "unreachable"):
            self.other.far_end_ended("unreachable")
        else:
            self.other.far_end_ended("hangup")

    async def play(self, media: Media, interrupt: Interrupt = NO_INTERRUPT) -> bool:
        if self.other.is_up:
            self.other.far_end_media(media, media_seconds(media))
        if isinstance(media, Speech) and self.other.is_up:
            self.other.far_end_starts_speaking()
        done = await super().play(media, interrupt)
        if not done and self.other.is_up:
            self.other.emit(MediaEvent(self.clock.monotonic(), "in", None))  # cut short on the other side too
        if isinstance(media, Speech) and self.other.is_up:
            self.other.far_end_said(Utterance(media.text, 1.0, media_seconds(media), media.language))
        return done

    def hear(self, sound: Sound) -> None:
        """What the bridge or room carries reaches the platform side of the far end as speech
        and digits (so the application on the looped number hears the caller)."""
        other = self.other
        if not other.is_up:
            return
        text = sound.text if sound.kind == "voice" else sound.media.text if isinstance(sound.media, Speech) else ""
        if text:
            other.far_end_starts_speaking()
            other.far_end_said(Utterance(text, 1.0, sound.seconds or media_seconds(Speech(text))))
        for digit in sound.digits:
            other.far_end_digit(digit)

    async def send_digits(self, digits: str) -> None:
        for digit in digits:
            if not self.is_up:
                return
            pause = PAUSES.get(digit)
            if pause is not None:
                await self.clock.sleep(pause)
                continue
            await self.clock.sleep(DIGIT_TONE)
            self.other.far_end_digit(digit.upper())
            await self.clock.sleep(DIGIT_GAP)


def loop_pair(outbound: LoopLeg, inbound: LoopLeg) -> None:
    outbound.other, inbound.other = inbound, outbound

