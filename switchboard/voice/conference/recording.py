"""Recording a conference room: the recorder hears the room's mixer (every unmuted voice, relayed
digits, media played into the room) instead of a leg; the row says ``recording_type=conference``
with the room's name and uuid. A recording stops by ``DELETE Conference/{name}/Record/`` or when
the room closes (its last member left).

Started two ways: ``POST Conference/{name}/Record/`` (callback with the API's snake_case
parameters) and ``<Conference record="true">`` (callback to that member's ``callbackUrl`` as
``ConferenceAction=record``; the recording starts once the room has started with two members in
it, or at once with ``recordWhenAlone``).
"""

import logging
from typing import TYPE_CHECKING

from switchboard.voice.recording.service import Active, Callback, Target
from switchboard.voice.recording.storage import StorageFull

if TYPE_CHECKING:
    from switchboard.voice.conference.room import Room, RoomMember

log = logging.getLogger("switchboard.voice.conference")


async def record(room: "Room", file_format: str, callback: Callback,
                 transcription: tuple[str, str, str] = ("", "", "POST")) -> Active:
    """Start recording ``room`` now (raises ``StorageFull`` when the store has no room)."""
    engine = room.engine
    call = next(iter(room.members.values())).call
    target = Target(call.account_id, call.sub_account_id, room.closed, recording_type="conference",
                    conference_name=room.name, conference_uuid=room.uuid)
    active = await engine.recordings.begin(target, file_format, directions=("out",), callback=callback,
                                           transcription=transcription)
    active.recorder.attach_mixer(room.mixer)
    room.recordings.append(active)
    return active


async def stop(room: "Room") -> int:
    """Stop every recording of ``room``; how many were running."""
    running = [active for active in room.recordings if active.finishing is None]
    room.recordings.clear()
    for active in running:
        await room.engine.recordings.end(active)
    return len(running)


async def joined(room: "Room", member: "RoomMember") -> None:
    """``<Conference record="true">``: remember the member whose attributes the recording takes
    (the first one still in the room that asked), and start it if the room is ready."""
    waiting = room.record_for
    if member.node["record"] and not room.recordings and (waiting is None or waiting.member_id not in room.members):
        room.record_for = member
    await _maybe_start(room)


async def _maybe_start(room: "Room") -> None:
    """Start the ``record="true"`` recording once the room is ready: started with two members in
    it, or at once with ``recordWhenAlone``."""
    member = room.record_for
    if member is None or room.ending or member.member_id not in room.members:
        return
    if not member.node["recordWhenAlone"] and not (room.started and len(room.members) >= 2):
        return
    room.record_for = None
    node = member.node
    callback = Callback()
    if node["callbackUrl"]:
        callback = Callback(node["callbackUrl"], node["callbackMethod"], "xml", {
            "ConferenceAction": "record", "ConferenceName": room.name, "ConferenceUUID": room.uuid,
            "ConferenceMemberID": member.member_id, "CallUUID": member.call.call_uuid})
    transcription = ("", "", "POST")
    if node["transcriptionType"] and node["transcriptionUrl"]:
        transcription = (node["transcriptionType"], node["transcriptionUrl"], node["transcriptionMethod"])
    try:
        await record(room, node["recordFileFormat"], callback, transcription)
    except StorageFull as exc:
        log.error("conference %r not recorded: %s", room.name, exc)
