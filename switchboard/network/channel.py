"""The call-leg (channel) interface: the boundary between the voice engine and a telephone network.

The XML interpreter (``switchboard.voice``) drives calls only through :class:`CallLeg` and
:class:`Network`. The simulated network (``network/sim/``) and the SIP/RTP network
(``network/sip/``) implement them, so the interpreter runs the same XML on either. See
docs/architecture.md.

A leg is one party's connection to the platform (Plivo's A-leg or B-leg). What the platform
sends to the far end is :class:`Media` (speech, audio, silence, a beep, DTMF); what comes back
is events: answered, digits, utterances, hangup. Bridging two legs and joining a conference
mixer (``network/mixer.py``) are part of the interface: Dial and Conference are built on them.
"""

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from switchboard.network.mixer import Mixer, Sound


class LegState(str, Enum):
    NEW = "new"
    RINGING = "ringing"
    EARLY = "early-media"
    ANSWERED = "answered"
    ENDED = "ended"


@dataclass(frozen=True)
class Speech:
    """Text to be spoken by text-to-speech. ``ssml`` tells a TTS engine the text came with markup;
    ``pause_seconds`` is the sum of explicit SSML ``<break>`` times."""

    text: str
    voice: str = "WOMAN"
    language: str = "en-US"
    pause_seconds: float = 0.0
    ssml: bool = False


@dataclass(frozen=True)
class Audio:
    """An audio file by URL, with its decoded length (the engine fetches it first)."""

    url: str
    seconds: float


@dataclass(frozen=True)
class Silence:
    seconds: float


@dataclass(frozen=True)
class Beep:
    seconds: float = 0.25
    frequency: int = 800


@dataclass(frozen=True)
class Pcm:
    """Raw audio to play as it is: 8 kHz 16-bit mono PCM (what an audio stream's application sent
    with ``playAudio``). ``source`` says where it came from, for the simulated phone's log."""

    pcm: bytes
    source: str = "stream"

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 16000


Media = Speech | Audio | Silence | Beep | Pcm


@dataclass(frozen=True)
class Utterance:
    """Something the far end said, as recognised: the text, the recogniser's confidence (0..1),
    how long it spoke, and the language it spoke (BCP 47; "" when unknown)."""

    text: str
    confidence: float
    seconds: float
    language: str = ""


@dataclass(frozen=True)
class Recognition:
    """How speech is to be recognised (GetInput): phrases to favour, the language expected, the
    recognition model (``default``, ``command_and_search``, ``phone_call``), who wants the
    interim results while the far end is still speaking, and the seconds of silence that end an
    answer (``speechEndTimeout``; None: the network's "auto")."""

    hints: tuple[str, ...] = ()
    language: str = "en-US"
    model: str = "default"
    interim: Callable[[Utterance], None] | None = None
    end_silence: float | None = None


@dataclass(frozen=True)
class Tones:
    """DTMF on the line, as a recorder hears it (sending digits is :meth:`CallLeg.send_digits`)."""

    digits: str


@dataclass(frozen=True)
class Frames:
    """Audio as 8 kHz 16-bit mono PCM: what a network carrying real audio, or a mixer, hands to
    recorders."""

    pcm: bytes


@dataclass(frozen=True)
class MediaEvent:
    """What a leg carried, for recorders (:meth:`CallLeg.listen`). ``direction`` is "out" (the
    platform to the far end) or "in" (the far end to the platform); ``at`` is the clock's
    ``monotonic()`` when it started; ``media`` None means what played in that direction stopped at
    ``at`` (a prompt cut short)."""

    at: float
    direction: str
    media: "Speech | Audio | Silence | Beep | Pcm | Tones | Frames | None"
    seconds: float = 0.0


MediaListener = Callable[[MediaEvent], None]


@dataclass(frozen=True)
class Ended:
    """Why a leg ended, in the network's terms; the engine maps it to Plivo's hangup causes.
    ``by_far_end`` is True when the remote party hung up or refused the call. ``detail`` says
    what the network saw when that is worth a debug-log entry (a failed DTLS handshake)."""

    reason: str  # "hangup" | "busy" | "rejected" | "no-answer" | "unreachable" | "platform"
    by_far_end: bool
    detail: str = ""


@dataclass(frozen=True)
class Interrupt:
    """What may cut a prompt short: a DTMF digit, the far end starting to speak."""

    digits: bool = False
    speech: bool = False


NO_INTERRUPT = Interrupt()


@dataclass
class OriginateRequest:
    """An outbound leg to place: ``to`` is E.164 digits or ``sip:user@domain``."""

    to: str
    from_: str
    caller_name: str = ""
    sip_headers: dict[str, str] = field(default_factory=dict)
    call_uuid: str = ""
    account_id: str = ""
    """The main account placing the call (its outgoing carrier carries calls to phone numbers)."""


class CallLeg(ABC):
    """One call leg. Futures: :attr:`ringing`, :attr:`early_media`, :attr:`answered` resolve when
    that happens; :attr:`ended` resolves with an :class:`Ended` (and only once).

    An inbound leg may also say what its signalling carried: the number the call was diverted
    from (SIP Diversion), the caller's STIR/SHAKEN attestation (``A``/``B``/``C``; empty when
    the call was not signed), the custom ``X-PH-`` headers a SIP caller sent (names without
    the prefix), and the IP address its signalling came from (empty where there is none)."""

    uuid: str
    direction: str  # "inbound" | "outbound", as Plivo names it from the platform's side
    from_: str
    to: str
    caller_name: str
    forwarded_from: str = ""
    stir_attestation: str = ""
    source_ip: str = ""
    custom_headers: tuple[tuple[str, str], ...] = ()
    application_id: str = ""
    """The application the caller's credentials name (a browser's access token ``app``), which
    runs instead of the calling endpoint's own; empty for none."""

    def __init__(self, uuid: str, direction: str, from_: str, to: str, caller_name: str = ""):
        loop = asyncio.get_running_loop()
        self.uuid, self.direction, self.from_, self.to, self.caller_name = uuid, direction, from_, to, caller_name
        self.state = LegState.NEW
        self.ringing: asyncio.Future[None] = loop.create_future()
        self.early_media: asyncio.Future[None] = loop.create_future()
        self.answered: asyncio.Future[None] = loop.create_future()
        self.ended: asyncio.Future[Ended] = loop.create_future()
        self.media_listeners: list[MediaListener] = []
        self.current_media: dict[str, MediaEvent] = {}
        """The last media event each way (a recorder started mid-prompt hears the rest of it)."""

    def listen(self, listener: MediaListener) -> Callable[[], None]:
        """Hear every :class:`MediaEvent` of this leg from now on (recording); returns the call
        that stops it."""
        self.media_listeners.append(listener)
        return lambda: self.media_listeners.remove(listener) if listener in self.media_listeners else None

    def emit(self, event: MediaEvent) -> None:
        """Tell the listeners what the leg carries (networks call this; a bridge or mixer may too)."""
        if event.media is None:
            self.current_media.pop(event.direction, None)
        else:
            self.current_media[event.direction] = event
        for listener in list(self.media_listeners):
            listener(event)

    @property
    def is_up(self) -> bool:
        return not self.ended.done()

    def _mark_ended(self, ended: Ended, *waiters: "asyncio.Future[None]") -> bool:
        """The common start of a network's ``_end``: the state, :attr:`ended` and the network's
        own ``waiters`` woken, once; False when the leg had ended already."""
        if self.ended.done():
            return False
        self.state = LegState.ENDED
        self.ended.set_result(ended)
        for future in waiters:
            resolve(future)
        return True

    # --- signalling ------------------------------------------------------------------------

    @abstractmethod
    async def ring(self) -> None:
        """Inbound: tell the caller it is ringing (SIP 180)."""

    @abstractmethod
    async def pre_answer(self) -> None:
        """Inbound: open early media without answering (SIP 183)."""

    @abstractmethod
    async def answer(self) -> None:
        """Inbound: answer (SIP 200)."""

    @abstractmethod
    async def hangup(self, reason: str = "platform") -> None:
        """End the leg from the platform's side (BYE, CANCEL or a rejection before answer:
        ``reason`` "busy"/"rejected" pick the rejection response)."""

    # --- media out -----------------------------------------------------------------------------

    @abstractmethod
    async def play(self, media: Media, interrupt: Interrupt = NO_INTERRUPT) -> bool:
        """Send ``media`` to the far end and return when it has played (True), or False when an
        allowed interruption, :meth:`stop_media` or the end of the leg cut it short."""

    @abstractmethod
    def stop_media(self) -> None:
        """Cut short whatever :meth:`play` is sending."""

    @abstractmethod
    async def send_digits(self, digits: str) -> None:
        """Send DTMF (``w`` = 0.5 s pause, ``W`` = 1 s) and return when sent."""

    @abstractmethod
    def overlay(self, media: list[Media], loops: int) -> "asyncio.Task[None]":
        """Play ``media`` mixed over whatever else plays (the live Play/Speak API); a task."""

    # --- media in ------------------------------------------------------------------------------

    @abstractmethod
    async def next_digit(self, timeout: float | None) -> str | None:
        """The next DTMF digit the far end pressed (buffered since :meth:`flush_digits`), or None
        after ``timeout`` seconds or when the leg ends."""

    @abstractmethod
    def flush_digits(self) -> None:
        """Forget digits pressed so far."""

    @abstractmethod
    def flush_utterances(self) -> None:
        """Forget what the far end said so far."""

    @abstractmethod
    async def next_utterance(self, timeout: float | None, recognition: Recognition) -> Utterance | None:
        """The next complete utterance of the far end as ``recognition`` hears it, or None (timeout
        or end of leg). Speech in a language the recogniser does not expect is not recognised."""

    @abstractmethod
    async def wait_for_silence(self, min_silence: float, timeout: float) -> bool:
        """Return True once the far end has been silent for ``min_silence`` seconds, False at
        ``timeout``."""

    @abstractmethod
    async def wait_for_beep(self, timeout: float) -> bool:
        """Return True when a voicemail beep is heard, False at ``timeout``."""

    @abstractmethod
    async def first_speech(self, timeout: float) -> Utterance | None:
        """For machine detection: the far end's first utterance after answer (its length tells a
        greeting from a "hello"), or None if it stayed silent for ``timeout``."""

    # --- joining legs (Dial, Conference) -----------------------------------------------------

    mixer: Mixer | None = None

    async def join(self, mixer: Mixer, muted: bool = False, deaf: bool = False, relay_dtmf: bool = True) -> None:
        """Put this leg in ``mixer`` (a conference room, or the two-member mixer of a bridge) until
        :meth:`leave`: what its far end says goes to the other members (:meth:`transmit`), what
        they say reaches its far end (:meth:`hear`)."""
        self.leave()
        mixer.add(self, muted, deaf, relay_dtmf)
        self.mixer = mixer

    def leave(self) -> None:
        """Take this leg out of its mixer, if it is in one."""
        if self.mixer is not None:
            self.mixer.remove(self)
            self.mixer = None

    async def bridge(self, other: "CallLeg") -> Mixer:
        """Connect this leg's media to ``other`` (Dial): both join a mixer of their own, which the
        caller ends with :meth:`leave` on both."""
        mixer = Mixer(f"bridge-{self.uuid}")
        await self.join(mixer)
        await other.join(mixer)
        return mixer

    def transmit(self, sound: Sound) -> None:
        """The far end sent ``sound`` (spoke, pressed digits): pass it to the mixer, if any."""
        if self.mixer is not None:
            self.mixer.carry(self, sound)

    def hear(self, sound: Sound) -> None:
        """Deliver what the mixer carries to the far end (a network plays it out)."""
        raise NotImplementedError("this network cannot carry mixed media")


def first_of(*futures: "asyncio.Future[Any]") -> "asyncio.Future[None]":
    """A future done as soon as any of ``futures`` is done (its callbacks on the others are then
    removed, so long-lived futures such as a leg's ``ended`` do not collect them)."""
    combined: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    if any(future.done() for future in futures):
        combined.set_result(None)
        return combined

    def done(_: "asyncio.Future[Any]") -> None:
        resolve(combined)

    def tidy(_: "asyncio.Future[None]") -> None:
        for future in futures:
            future.remove_done_callback(done)

    for future in futures:
        future.add_done_callback(done)
    combined.add_done_callback(tidy)
    return combined


def resolve(future: "asyncio.Future[None]") -> None:
    """Wake the waiters of ``future`` unless it is done already."""
    if not future.done():
        future.set_result(None)


async def wait_any(clock: Any, futures: "tuple[asyncio.Future[Any], ...]", timeout: float | None) -> bool:
    """Wait on ``clock`` until one of ``futures`` is done (True) or ``timeout`` passes (False)."""
    combined = first_of(*futures)
    try:
        return await clock.wait(combined, timeout)
    finally:
        combined.cancel()


IncomingHandler = Callable[[CallLeg], Awaitable[None]]


class Network(ABC):
    """A telephone network: places outbound legs and hands inbound legs to the engine."""

    on_incoming: IncomingHandler | None = None
    local_destination: Callable[[str], Awaitable[bool]] | None = None
    """Set by the engine: True for a destination the platform itself answers (one of its own
    numbers). A network may loop such a call straight back in rather than send it out."""

    @abstractmethod
    async def originate(self, request: OriginateRequest) -> CallLeg:
        """Start an outbound leg; it rings, answers or ends by itself (watch its futures)."""
