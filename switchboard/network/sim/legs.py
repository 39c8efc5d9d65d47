"""A call leg on the simulated network: media takes as long as it would on a real line, and the
far end (a simulated phone running its script) is heard through digits, utterances and beeps.
Everything the phone experiences is written to its log in the phone book."""

import asyncio
from collections import deque
from typing import Any

from switchboard.core.clock import Clock
from switchboard.network.channel import (
    NO_INTERRUPT,
    Audio,
    Beep,
    CallLeg,
    Ended,
    Interrupt,
    LegState,
    Media,
    MediaEvent,
    Pcm,
    Recognition,
    Silence,
    Sound,
    Speech,
    Tones,
    Utterance,
    resolve,
    wait_any,
)
from switchboard.network.sim.heard import HeardAudio
from switchboard.network.sim.phones import PhoneBook
from switchboard.network.sim.recogniser import recognise
from switchboard.network.sim.speech import DIGIT_TONE, dtmf_seconds, speech_seconds


def media_seconds(media: Media) -> float:
    if isinstance(media, Speech):
        return speech_seconds(media.text, media.voice, media.pause_seconds)
    if isinstance(media, Audio | Silence | Beep | Pcm):
        return media.seconds
    return 0.0


def _describe(media: Media) -> tuple[str, dict[str, Any]]:
    if isinstance(media, Speech):
        return "heard_speech", {"text": media.text, "voice": media.voice, "language": media.language}
    if isinstance(media, Audio):
        return "heard_audio", {"url": media.url}
    if isinstance(media, Beep):
        return "heard_beep", {"frequency": media.frequency}
    if isinstance(media, Pcm):
        return "heard_audio", {"source": media.source}
    return "heard_silence", {}


class SimLeg(CallLeg):
    """``phone`` is the phone-book address of the far end (the callee of an outbound leg, the
    caller of an inbound one)."""

    def __init__(self, clock: Clock, book: PhoneBook, phone: str, **identity: Any):
        super().__init__(**identity)
        self.clock, self.book, self.phone = clock, book, phone
        self._digits: deque[str] = deque()
        self._utterances: deque[Utterance] = deque()
        self._arrival: asyncio.Future[None] = self._new()
        self._speech_start: asyncio.Future[None] = self._new()
        self._stop: asyncio.Future[None] = self._new()
        self._beep: asyncio.Future[None] = self._new()
        self.speaking_since: float | None = None
        self.partial = ""  # the words of the utterance under way, so far
        self.partial_language = ""
        self.silent_since = clock.monotonic()
        self.far_end_task: asyncio.Task[None] | None = None
        self.heard_audio = HeardAudio(self)

    def _new(self) -> "asyncio.Future[None]":
        return asyncio.get_running_loop().create_future()

    def log(self, kind: str, **detail: Any) -> dict[str, Any]:
        return self.book.record(self.phone, kind, call_uuid=self.uuid, **detail).detail

    # --- far end (called by the phone's script runner) -------------------------------------

    def far_end_ringing(self) -> None:
        self.state = LegState.RINGING
        resolve(self.ringing)

    def far_end_early_media(self) -> None:
        """The callee sent 183 Session Progress: media flows before answer."""
        if self.state in (LegState.NEW, LegState.RINGING):
            self.state = LegState.EARLY
            resolve(self.early_media)
            self.log("call", state="early-media")

    def far_end_answered(self) -> None:
        self.state = LegState.ANSWERED
        resolve(self.answered)

    def far_end_ended(self, reason: str) -> None:
        self._end(Ended(reason, by_far_end=True))

    def far_end_digit(self, digit: str) -> None:
        self.emit(MediaEvent(self.clock.monotonic() - DIGIT_TONE, "in", Tones(digit), DIGIT_TONE))
        self._digits.append(digit)
        self._wake()
        self.transmit(Sound("digits", self.uuid, self.label, digits=digit, at=self.clock.monotonic()))

    def far_end_starts_speaking(self) -> None:
        self.speaking_since = self.clock.monotonic()
        resolve(self._speech_start)

    def far_end_partly_said(self, words: str, language: str) -> None:
        """The far end is still speaking; ``words`` are what it has said so far."""
        self.partial, self.partial_language = words, language
        self._wake()

    def far_end_said(self, utterance: Utterance) -> None:
        self.speaking_since = None
        self.partial = ""
        self.silent_since = self.clock.monotonic()
        self._utterances.append(utterance)
        self._wake()
        self.transmit(Sound("voice", self.uuid, self.label, text=utterance.text, seconds=utterance.seconds,
                            at=self.clock.monotonic()))

    @property
    def label(self) -> str:
        """Who the far end is, for the others in a bridge or room: its phone-book address (or,
        on a loop, the number at the other end)."""
        return self.phone or (self.to if self.direction == "outbound" else self.from_)

    def hear(self, sound: Sound) -> None:
        """The phone hears what the others in its bridge or room send: their voices (with who
        spoke), relayed digits, and media played into the room."""
        if sound.kind == "voice":
            self.log("heard_voice", text=sound.text, seconds=sound.seconds, **{"from": sound.label})
        elif sound.kind == "digits":
            self.log("heard_digits", digits=sound.digits, **{"from": sound.label})
        elif sound.media is not None:
            kind, detail = _describe(sound.media)
            self.log(kind, seconds=media_seconds(sound.media), mixed=True, **detail)

    def far_end_media(self, media: Media, seconds: float) -> None:
        """The far end starts sending ``media`` (its speech, a machine's beep), for recorders."""
        self.emit(MediaEvent(self.clock.monotonic(), "in", media, seconds))

    def far_end_beeped(self) -> None:
        resolve(self._beep)

    def _wake(self) -> None:
        resolve(self._arrival)
        self._arrival = self._new()

    def _end(self, ended: Ended) -> None:
        if not self._mark_ended(ended, self._arrival, self._stop):
            return
        if self.far_end_task is not None and not ended.by_far_end:
            self.far_end_task.cancel()

    # --- signalling ------------------------------------------------------------------------

    async def ring(self) -> None:
        if self.state == LegState.NEW:
            self.state = LegState.RINGING
            resolve(self.ringing)
            self.log("call", state="ringing")

    async def pre_answer(self) -> None:
        if self.state in (LegState.NEW, LegState.RINGING):
            self.state = LegState.EARLY
            resolve(self.early_media)
            self.log("call", state="early-media")

    async def answer(self) -> None:
        if self.state not in (LegState.ANSWERED, LegState.ENDED):
            self.state = LegState.ANSWERED
            resolve(self.answered)
            self.log("call", state="answered")

    async def hangup(self, reason: str = "platform") -> None:
        if self.ended.done():
            return
        was_answered = self.answered.done()
        self.log("call", state="ended", by="platform", reason=reason if not was_answered else "hangup")
        self._end(Ended(reason, by_far_end=False))

    # --- media -----------------------------------------------------------------------------

    async def play(self, media: Media, interrupt: Interrupt = NO_INTERRUPT) -> bool:
        if self.ended.done():
            return False
        seconds = media_seconds(media)
        offset = 0.0
        if isinstance(media, Pcm):
            entry, offset = self.heard_audio.begin(media)
        else:
            kind, detail = _describe(media)
            entry = self.log(kind, seconds=seconds, **detail)
        self.emit(MediaEvent(self.clock.monotonic(), "out", media, seconds))
        watch: list[asyncio.Future[Any]] = [self.ended, self._stop]
        if interrupt.digits:
            if self._digits:
                entry["interrupted_after"] = 0.0
                return False
            watch.append(self._arrival)
        if interrupt.speech:
            watch.append(self._speech_start)
        started = self.clock.monotonic()
        done = False
        try:
            done = not await wait_any(self.clock, tuple(watch), seconds)
        finally:
            if self._stop.done():
                self._stop = self._new()
            elapsed = self.clock.monotonic() - started
            if not done:
                entry["interrupted_after"] = round(offset + elapsed, 3)
                self.emit(MediaEvent(self.clock.monotonic(), "out", None))
            if isinstance(media, Pcm):
                self.heard_audio.played(media.pcm if done else media.pcm[: 2 * int(8000 * elapsed)], not done)
        return done

    def stop_media(self) -> None:
        resolve(self._stop)

    def overlay(self, media: list[Media], loops: int) -> "asyncio.Task[None]":
        async def run() -> None:
            for _ in range(loops):
                for item in media:
                    kind, detail = _describe(item)
                    entry = self.log(kind, seconds=media_seconds(item), overlay=True, **detail)
                    self.emit(MediaEvent(self.clock.monotonic(), "out", item, media_seconds(item)))
                    started = self.clock.monotonic()
                    try:
                        if await self.clock.wait(self.ended, media_seconds(item)):
                            return
                    except asyncio.CancelledError:  # stopped (DELETE …/Play/, …/Speak/) part way
                        entry["interrupted_after"] = round(self.clock.monotonic() - started, 3)
                        raise

        return asyncio.create_task(run(), name=f"overlay-{self.uuid}")

    async def send_digits(self, digits: str) -> None:
        if self.ended.done():
            return
        self.log("received_digits", digits=digits)
        self.emit(MediaEvent(self.clock.monotonic(), "out", Tones(digits), dtmf_seconds(digits)))
        await self.clock.wait(self.ended, dtmf_seconds(digits))

    # --- input -----------------------------------------------------------------------------

    async def next_digit(self, timeout: float | None) -> str | None:
        deadline = None if timeout is None else self.clock.monotonic() + timeout
        while not self._digits and not self.ended.done():
            left = None if deadline is None else deadline - self.clock.monotonic()
            if left is not None and left <= 0:
                break
            await wait_any(self.clock, (self._arrival, self.ended), left)
        return self._digits.popleft() if self._digits else None

    def flush_digits(self) -> None:
        self._digits.clear()

    async def next_utterance(self, timeout: float | None, recognition: Recognition) -> Utterance | None:
        """The next utterance understood. Each ``say`` of the phone is a whole answer, unless
        ``recognition.end_silence`` (GetInput ``speechEndTimeout``) is given: then speech that
        resumes within that many seconds of silence belongs to the same answer."""
        deadline = None if timeout is None else self.clock.monotonic() + timeout
        reported = ""
        parts: list[Utterance] = []  # the answer so far, while waiting for end_silence of silence
        while not self.ended.done():
            while self._utterances:
                heard = self._utterances.popleft()
                understood = recognise(heard, recognition)
                if understood is not None and recognition.end_silence is None:
                    return understood
                if understood is not None:
                    parts.append(heard)
            left = None if deadline is None else deadline - self.clock.monotonic()
            if self.speaking_since is not None:
                left = None  # an utterance under way is heard to its end
                if recognition.interim is not None and self.partial and self.partial != reported:
                    reported = self.partial
                    elapsed = self.clock.monotonic() - self.speaking_since
                    so_far = " ".join([part.text for part in parts] + [reported])
                    interim = recognise(Utterance(so_far, 1.0, elapsed, self.partial_language), recognition, partial=True)
                    if interim is not None:
                        recognition.interim(interim)
            elif parts:
                assert recognition.end_silence is not None
                left = self.silent_since + recognition.end_silence - self.clock.monotonic()
                if left <= 0:
                    return recognise(Utterance(" ".join(part.text for part in parts), 1.0,
                                               sum(part.seconds for part in parts), parts[0].language), recognition)
            elif left is not None and left <= 0:
                break
            await wait_any(self.clock, (self._arrival, self.ended), left)
        return None

    def flush_utterances(self) -> None:
        self._utterances.clear()
        self.partial = ""
        self._speech_start = self._new() if self.speaking_since is None else self._speech_start

    async def wait_for_silence(self, min_silence: float, timeout: float) -> bool:
        deadline = self.clock.monotonic() + timeout
        while not self.ended.done():
            now = self.clock.monotonic()
            if self.speaking_since is None and now - self.silent_since >= min_silence:
                return True
            quiet_at = now + min_silence if self.speaking_since is not None else self.silent_since + min_silence
            if deadline <= now:
                return False
            await wait_any(self.clock, (self._arrival, self.ended), min(quiet_at, deadline) - now)
        return False

    async def wait_for_beep(self, timeout: float) -> bool:
        return await wait_any(self.clock, (self._beep, self.ended), timeout) and self._beep.done()

    async def first_speech(self, timeout: float) -> Utterance | None:
        deadline = self.clock.monotonic() + timeout
        while not self._utterances and not self.ended.done():
            left = deadline - self.clock.monotonic()
            if left <= 0:
                break
            await wait_any(self.clock, (self._arrival, self.ended), left)
        if self._utterances:
            return self._utterances[0]
        if self.speaking_since is not None:
            return Utterance("", 0.0, round(self.clock.monotonic() - self.speaking_since, 3))
        return None
