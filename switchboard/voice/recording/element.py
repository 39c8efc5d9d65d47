"""``<Record>``: record the caller (after a beep) until silence, a finishing key, ``maxLength`` or
hangup, then request ``action`` with ``RecordUrl``, ``RecordingID``, the durations and ``Digits``.

With ``recordSession`` the whole call is recorded in the background (both directions; stereo by
``recordChannelType``, caller on the left): the element does not block, ``action`` is requested at
once with the durations ``-1`` and the real values go to ``callbackUrl`` when the file is ready.
A session recording also hears the call's ``<Dial>`` bridges (the B-party goes with the platform
side). ``startOnDialAnswer`` behaves the same way but starts when the call's next ``<Dial>`` is
answered and records that bridge only (``recording/bridge.py``); its id is not known when the
action is requested, so ``RecordUrl`` and ``RecordingID`` are empty there.
"""

import asyncio
from typing import TYPE_CHECKING, Any

from switchboard.media.tones import DIGIT_TONE
from switchboard.network.channel import Beep, CallLeg
from switchboard.voice.document import Node
from switchboard.voice.recording.bridge import OnDialAnswer, wait_for_dial_answer
from switchboard.voice.recording.service import Active, Callback, result_params
from switchboard.voice.recording.storage import StorageFull

if TYPE_CHECKING:
    from switchboard.voice.interpreter import Interpreter

BEEP = Beep(0.25, 800)
SESSION_PENDING = {"RecordUrl": "", "RecordingID": "", "RecordingDuration": "-1", "RecordingDurationMs": "-1",
                   "RecordingStartMs": "-1", "RecordingEndMs": "-1"}


def _options(node: Node) -> dict[str, Any]:
    transcription = ("", "", "POST")
    if node["transcriptionType"] and node["transcriptionUrl"]:
        transcription = (node["transcriptionType"], node["transcriptionUrl"], node["transcriptionMethod"])
    callback = Callback(node["callbackUrl"], node["callbackMethod"]) if node["callbackUrl"] else Callback()
    return {"callback": callback, "transcription": transcription}


async def record(interp: "Interpreter", node: Node, base: str) -> None:
    recordings = interp.engine.recordings
    call, leg = interp.call, interp.leg
    if node["recordSession"] or node["startOnDialAnswer"]:
        params = dict(SESSION_PENDING)
        if node["startOnDialAnswer"]:
            wait_for_dial_answer(recordings, call, OnDialAnswer(node["fileFormat"], node["recordChannelType"] == "stereo",
                                                                float(node["maxLength"]), **_options(node)))
        else:
            try:
                active = await recordings.begin(call, node["fileFormat"], stereo=node["recordChannelType"] == "stereo",
                                                max_seconds=float(node["maxLength"]), **_options(node))
                params.update(RecordUrl=recordings.url(call.owner, active.recording_id, node["fileFormat"]),
                              RecordingID=active.recording_id)
            except StorageFull as exc:
                interp.engine.debug_log(call, "", base, "", f"<Record recordSession> not started: {exc}")
        await interp.action(node, base, {**params, "Digits": ""})
        return
    interp.played = True
    if node["playBeep"] and not await leg.play(BEEP) and not leg.is_up:
        return  # the caller hung up during the beep: nothing to record, nothing to report
    leg.flush_digits()
    try:
        active = await recordings.begin(call, node["fileFormat"], directions=("in",), **_options(node))
    except StorageFull as exc:
        interp.engine.debug_log(call, "", base, "", f"<Record> skipped: {exc}")
        return
    if node["action"]:
        active.action = (node["action"], node["method"])
    digits, stop_at = await _until_done(interp, leg, active, node)
    if not leg.is_up:
        return  # the call's end finishes the recording and reports it to the action (service.py)
    active.action = None
    row = await recordings.end(active, stop_at)
    if row is None:
        interp.engine.debug_log(call, "", base, "", "<Record>: the recording could not be stored (storage full)")
        return
    await interp.action(node, base, result_params(recordings, row, "xml", digits))


async def _until_done(interp: "Interpreter", leg: CallLeg, active: Active, node: Node) -> tuple[str, float | None]:
    """Wait for the first of: a finishing key, ``timeout`` seconds of silence, ``maxLength``, the
    end of the call. The key that ended it ("" otherwise) and when the recording stops (a key's
    own tone is left out of the file)."""
    clock = interp.clock
    started = active.recorder.started
    assert started is not None
    deadline = started + float(node["maxLength"])
    keys: str = node["finishOnKey"]

    async def key() -> str:
        while True:
            digit = await leg.next_digit(max(0.0, deadline - clock.monotonic()))
            if digit is None or digit in keys:
                return digit or ""

    async def silence() -> str:
        timeout = float(node["timeout"])
        while leg.is_up and clock.monotonic() < deadline:
            if not await leg.wait_for_silence(timeout, max(0.0, deadline - clock.monotonic())):
                return ""
            left = started + timeout - clock.monotonic()
            if left <= 0:
                return ""
            await clock.wait(leg.ended, left)  # silent since before the recording began: count from its start
        return ""

    waiting = [asyncio.create_task(key())] if keys else []
    waiting.append(asyncio.create_task(silence()))
    try:
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waiting:
            task.cancel()
    pressed = next((task.result() for task in done if task.result()), "")
    stop_at = clock.monotonic() - DIGIT_TONE if pressed else min(clock.monotonic(), deadline)
    return pressed, stop_at
