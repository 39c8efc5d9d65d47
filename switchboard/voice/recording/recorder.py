"""The recorder: collects what legs (or a conference mixer) carried between start and stop, as
:class:`~switchboard.network.channel.MediaEvent`, and renders it to 8 kHz 16-bit PCM.

Anything that produces media events can feed it: a leg (:meth:`Recorder.attach`, through
``CallLeg.listen``), or a mixer/bridge calling :meth:`Recorder.hear` with ``Frames`` of PCM or with
the media it plays. On the simulated network the events name what was sent (text, a URL, digits);
rendering turns them into sound: text-to-speech for speech, the decoded file for played audio,
tone pairs for digits, a tone for beeps, and silence where nothing was on the line. A segment
never runs past its slot on the line (a prompt cut short is cut short in the file too).

Channels: "in" is the far end (the caller of an inbound call), "out" what the platform sent. A
mono recording mixes the channels it keeps; a stereo one puts "in" on the left, "out" on the right.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np

from switchboard.media import RATE, audiofile, tones, tts
from switchboard.network.channel import Audio, Beep, CallLeg, Frames, Media, MediaEvent, Pcm, Silence, Speech, Tones
from switchboard.network.mixer import Mixer, Sound, estimated_seconds

log = logging.getLogger("switchboard.voice")
Fetch = Callable[[str], Awaitable[bytes]]
DIRECTIONS = ("in", "out")
SEAM = 0.002  # frames this close to the end of a run continue it


@dataclass
class _Segment:
    start: float
    end: float
    media: object


@dataclass
class Recorder:
    """``directions`` the recording keeps ("in" alone for ``<Record>``: what the caller says);
    ``stereo`` one channel per direction."""

    directions: tuple[str, ...] = DIRECTIONS
    stereo: bool = False
    started: float | None = None
    stopped: float | None = None
    _segments: dict[str, list[_Segment]] = field(default_factory=lambda: {d: [] for d in DIRECTIONS})
    _detach: list[Callable[[], None]] = field(default_factory=list)

    def attach(self, leg: CallLeg, now: float) -> None:
        """Hear ``leg`` from now on, including the rest of what it is carrying at ``now``."""
        for event in leg.current_media.values():
            if event.at + event.seconds > now:
                self.hear(event)
        self._detach.append(leg.listen(self.hear))

    def attach_mixer(self, mixer: Mixer, exclude: str = "") -> None:
        """Hear what ``mixer`` carries (a conference room or a Dial bridge: voices, relayed digits,
        media played into it) from now on, as what the platform sent ("out"). Sounds sent by the
        leg ``exclude`` are left out (a call's own leg, already heard as "in" through :meth:`attach`)."""
        def hear(sound: Sound) -> None:
            if not exclude or sound.speaker != exclude:
                self.hear(sound_event(sound))

        self._detach.append(mixer.subscribe(hear))

    def start(self, at: float) -> None:
        self.started = at

    def hear(self, event: MediaEvent) -> None:
        if self.started is None or self.stopped is not None or event.direction not in self._segments:
            return
        segments = self._segments[event.direction]
        if event.media is None:
            for segment in segments:
                segment.end = min(segment.end, max(segment.start, event.at))
            return
        if isinstance(event.media, Frames):
            _append_frames(segments, event.at, event.media.pcm)
            return
        if not isinstance(event.media, Silence):
            segments.append(_Segment(event.at, event.at + event.seconds, event.media))

    def stop(self, at: float) -> None:
        if self.stopped is None:
            self.stopped = max(at, self.started or at)
        for detach in self._detach:
            detach()
        self._detach.clear()

    @property
    def seconds(self) -> float:
        if self.started is None or self.stopped is None:
            return 0.0
        return self.stopped - self.started

    @property
    def channels(self) -> int:
        return 2 if self.stereo else 1

    async def render(self, fetch: Fetch) -> bytes:
        """The recording as PCM (interleaved when stereo). Played files are fetched here; speech
        synthesis and mixing run in a worker thread."""
        files: dict[str, np.ndarray] = {}
        for direction in self.directions:
            for segment in self._segments[direction]:
                media = segment.media
                if isinstance(media, Audio) and media.url not in files:
                    try:
                        files[media.url] = audiofile.decode(await fetch(media.url))
                    except Exception as exc:  # an unreachable or unreadable file is silence in the recording
                        log.info("recording: %s not rendered: %s", media.url, exc)
                        files[media.url] = tones.silence(0)
        return await asyncio.to_thread(self._mix, files)

    def _mix(self, files: dict[str, np.ndarray]) -> bytes:
        assert self.started is not None
        length = tones.samples(self.seconds)
        tracks = {d: np.zeros(length, dtype=np.int32) for d in self.directions}
        for direction in self.directions:
            for segment in self._segments[direction]:
                offset = tones.samples(segment.start - self.started)
                sound = _sound(segment.media, files)[: tones.samples(segment.end - segment.start)]
                begin = max(0, offset)
                sound = sound[begin - offset:]
                end = min(length, begin + len(sound))
                if end > begin:
                    tracks[direction][begin:end] += sound[: end - begin]
        if self.stereo:
            left, right = tracks.get("in", np.zeros(length, np.int32)), tracks.get("out", np.zeros(length, np.int32))
            mixed = np.empty(2 * length, dtype=np.int32)
            mixed[0::2], mixed[1::2] = left, right
        else:
            mixed = sum(tracks.values(), np.zeros(length, dtype=np.int32))
        return np.clip(mixed, -32768, 32767).astype("<i2").tobytes()


def _append_frames(segments: list[_Segment], at: float, pcm: bytes) -> None:
    """Audio frames extend the run of frames that ends where they start (a network sends 50 a
    second per speaker; a run per frame would make long recordings slow to render)."""
    seconds = len(pcm) / 2 / RATE
    for segment in reversed(segments[-4:]):
        if isinstance(segment.media, bytearray) and abs(segment.end - at) < SEAM:
            segment.media += pcm
            segment.end += seconds
            return
    segments.append(_Segment(at, at + seconds, bytearray(pcm)))


def sound_event(sound: Sound) -> MediaEvent:
    """A mixer's :class:`Sound` as a recorder's media event: real audio frames when the network
    carries them, else what was said (simulated phones speak as MAN), pressed or played."""
    media: Media | Tones | Frames
    if sound.frames is not None:
        media = Frames(sound.frames)
    elif sound.kind == "voice":  # a network reports speech once it is over: it began ``seconds`` earlier
        media = Speech(sound.text, "MAN")
        seconds = sound.seconds or estimated_seconds(media)
        return MediaEvent(sound.at - seconds, "out", media, seconds)
    elif sound.kind == "digits":
        media = Tones(sound.digits)
        return MediaEvent(sound.at, "out", media, len(tones.dtmf(sound.digits)) / RATE)
    else:
        media = sound.media if sound.media is not None else Silence(0.0)
    return MediaEvent(sound.at, "out", media, sound.seconds or estimated_seconds(media))


def _sound(media: object, files: dict[str, np.ndarray]) -> np.ndarray:
    if isinstance(media, Speech):
        pcm = tts.synthesize(media.text, media.voice, media.language, rate=int(tts.words_per_minute(media.voice)),
                             ssml=media.ssml)
        return np.frombuffer(pcm, dtype=np.int16)
    if isinstance(media, Audio):
        return files.get(media.url, tones.silence(0))
    if isinstance(media, Beep):
        return tones.beep(media.seconds, media.frequency)
    if isinstance(media, Tones):
        return tones.dtmf(media.digits)
    if isinstance(media, Pcm):
        return np.frombuffer(media.pcm, dtype=np.int16)
    if isinstance(media, bytearray):
        return np.frombuffer(bytes(media), dtype=np.int16)
    return tones.silence(0)
