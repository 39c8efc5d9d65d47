"""Recording a call's Dial bridge: what the B-party says is part of the call's session.

A ``<Record recordSession>`` under way when a ``<Dial>`` connects hears the bridge's mixer too, so
the B-party is in the file beside the caller. A ``<Record startOnDialAnswer>`` waits here (one per
element) until the call's next Dial is answered; its recording then starts, hears the caller's leg
and the bridge, and ends when the bridge ends (or at ``maxLength``, or with the call).
"""

import logging
from dataclasses import dataclass, field

from switchboard.network.mixer import Mixer
from switchboard.voice.call import LiveCall
from switchboard.voice.recording.service import Active, Callback, Recordings
from switchboard.voice.recording.storage import StorageFull

log = logging.getLogger("switchboard.voice")


@dataclass
class OnDialAnswer:
    """A ``startOnDialAnswer`` recording waiting for its call's Dial to connect."""

    file_format: str
    stereo: bool
    max_seconds: float
    callback: Callback = field(default_factory=Callback)
    transcription: tuple[str, str, str] = ("", "", "POST")


def wait_for_dial_answer(recordings: Recordings, call: LiveCall, pending: OnDialAnswer) -> None:
    """Start ``pending`` when ``call``'s next Dial connects; forget it if the call ends first."""
    waiting = recordings.on_dial_answer.setdefault(call.call_uuid, [])
    if not waiting and call.finished is not None:
        call.finished.add_done_callback(lambda _: recordings.on_dial_answer.pop(call.call_uuid, None))
    waiting.append(pending)


async def bridged(recordings: Recordings, call: LiveCall, mixer: Mixer) -> list[Active]:
    """``call``'s Dial has just bridged its leg into ``mixer``: session recordings of the call hear
    the B-party from now on, and the waiting ``startOnDialAnswer`` ones start. Returns the started
    ones (:func:`unbridged` ends them with the bridge)."""
    own = call.leg.uuid if call.leg is not None else ""
    for active in list(recordings.active.values()):
        if active.target.call is call and "out" in active.recorder.directions:
            active.recorder.attach_mixer(mixer, exclude=own)
    started = []
    for pending in recordings.on_dial_answer.pop(call.call_uuid, []):
        try:
            active = await recordings.begin(call, pending.file_format, stereo=pending.stereo,
                                            max_seconds=pending.max_seconds, callback=pending.callback,
                                            transcription=pending.transcription)
        except StorageFull as exc:
            log.error("call %s: <Record startOnDialAnswer> not started: %s", call.call_uuid, exc)
            continue
        active.recorder.attach_mixer(mixer, exclude=own)
        started.append(active)
    return started


def unbridged(recordings: Recordings, started: list[Active]) -> None:
    """The bridge ended: the recordings it started stop now and are stored in the background."""
    now = recordings.clock.monotonic()
    for active in started:
        active.recorder.stop(now)
        recordings.spawn(recordings.end(active, now), f"recording-bridge-end-{active.recording_id}")
