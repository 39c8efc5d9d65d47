"""A mixer: what the legs of a bridge (Dial) or a conference room carry to each other.

The mixer is transport-neutral: it knows its members (legs, each with ``muted``/``deaf``/
``relay_dtmf``), routes every :class:`Sound` a member sends to the other members that can hear
it, and lets anyone :meth:`Mixer.subscribe` to what the room carries (a recorder, a stream). A
network delivers a sound to its far end in :meth:`CallLeg.hear`; the simulated network writes it to
the phone's log, the SIP/RTP network sums the audio frames that come with it into what it sends.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from switchboard.network.channel import CallLeg, Media


@dataclass(frozen=True)
class Sound:
    """One thing a mixer carries.

    ``kind`` is ``voice`` (a member's far end spoke: ``text``, ``seconds``), ``audio`` (20 ms of
    what a member's far end sent on a network that carries real audio: PCM in ``frames``, ``loud``
    when it carries speech), ``digits`` (DTMF a member's far end pressed) or ``media`` (the
    platform played ``media`` into the room: enter and exit sounds, conference Play/Speak).
    ``speaker`` is the sending leg's uuid ("" for the platform) and ``label`` says who that is
    (the phone number or endpoint). ``at`` is the clock's monotonic time.
    """

    kind: str
    speaker: str = ""
    label: str = ""
    text: str = ""
    seconds: float = 0.0
    digits: str = ""
    media: "Media | None" = None
    at: float = 0.0
    frames: Any = None
    loud: bool = False


Listener = Callable[[Sound], None]


@dataclass
class Member:
    leg: "CallLeg"
    muted: bool = False
    deaf: bool = False
    relay_dtmf: bool = True


@dataclass
class Mixer:
    """``name`` is for logs (a bridge's A-leg uuid, a room's name)."""

    name: str
    members: dict[str, Member] = field(default_factory=dict)
    _listeners: list[Listener] = field(default_factory=list)

    def add(self, leg: "CallLeg", muted: bool = False, deaf: bool = False, relay_dtmf: bool = True) -> Member:
        member = self.members[leg.uuid] = Member(leg, muted, deaf, relay_dtmf)
        return member

    def remove(self, leg: "CallLeg") -> None:
        self.members.pop(leg.uuid, None)

    def member(self, leg: "CallLeg") -> Member | None:
        return self.members.get(leg.uuid)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every sound the mixer carries from now on (what a recorder of the
        room would hear: unmuted voices, relayed digits, media played into the room); the returned
        function unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def carry(self, source: "CallLeg", sound: Sound) -> None:
        """A member's far end sent ``sound``: every other member that can hear it gets it (a muted
        member's voice goes nowhere; digits go on only when the member relays DTMF)."""
        member = self.members.get(source.uuid)
        if member is None:
            return
        if sound.kind in ("voice", "audio") and member.muted:
            return
        if sound.kind == "digits" and not member.relay_dtmf:
            return
        self._deliver(sound, exclude=source.uuid)

    def broadcast(self, sound: Sound, exclude: str = "") -> None:
        """The platform plays ``sound`` into the room (to everyone who is not deaf)."""
        self._deliver(sound, exclude)

    def _deliver(self, sound: Sound, exclude: str) -> None:
        for uuid, other in list(self.members.items()):
            if uuid != exclude and not other.deaf and other.leg.is_up:
                other.leg.hear(sound)
        for listener in list(self._listeners):
            listener(sound)


def estimated_seconds(media: "Media") -> float:
    """How long ``media`` plays, to pace what is played into a room: exact for audio, silence
    and beeps; for speech an estimate at an ordinary speaking rate (a network that synthesises it
    knows better, and delivers it in its own time)."""
    from switchboard.network.channel import Speech

    if isinstance(media, Speech):
        return round(max(0.2, len(media.text.split()) * 60.0 / 160.0) + media.pause_seconds, 3)
    return float(getattr(media, "seconds", 0.0))
