"""Conference rooms: one per (account, name) while anyone is in it, each with its mixer, members
and state (started or waiting, the floor), and the callbacks members asked for.

A room exists from its first member's join until its last member leaves; its name space is the
call's owner (a subaccount's rooms are its own). Members waiting for a starter
(``startConferenceOnEnter=false`` before anyone started the room) are muted and deaf in the mixer
and hear their ``waitSound``; the room starts when a starter joins.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from switchboard.core.ids import new_uuid
from switchboard.network.channel import Media
from switchboard.network.mixer import Mixer, Sound, estimated_seconds
from switchboard.voice.call import LiveCall
from switchboard.voice.document import Node

if TYPE_CHECKING:
    from switchboard.voice.engine import VoiceEngine
    from switchboard.voice.recording.service import Active

log = logging.getLogger("switchboard.voice.conference")
FLOOR_HOLD = 1.0
"""On a network with real audio, the floor moves to another speaker only once the member holding
it has been quiet this long (else two talkers would trade it every 20 ms frame)."""


@dataclass
class RoomMember:
    member_id: str
    call: LiveCall
    node: Node
    joined_at: float
    join_time: datetime
    muted: bool = False
    deaf: bool = False
    waiting: bool = False
    wait_music: "asyncio.Task[None] | None" = None
    left: "asyncio.Future[str]" = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    overlays: dict[str, "asyncio.Task[None]"] = field(default_factory=dict)

    def leave(self, why: str) -> None:
        """Make the member leave the room (kick, ``*``, the room ending, its time limit)."""
        if not self.left.done():
            self.left.set_result(why)

    def json(self, now: float) -> dict[str, Any]:
        call = self.call
        return {
            "muted": self.muted or self.waiting, "member_id": self.member_id, "deaf": self.deaf,
            "from": call.from_, "to": call.to, "caller_name": call.caller_name, "direction": call.direction,
            "call_uuid": call.call_uuid, "join_time": str(int(now - self.joined_at)),
        }


class Room:
    def __init__(self, engine: "VoiceEngine", owner: str, name: str):
        self.engine, self.owner, self.name = engine, owner, name
        self.uuid = new_uuid()
        self.mixer = Mixer(name)
        self.members: dict[str, RoomMember] = {}
        self.created_at = engine.clock.monotonic()
        self.started_at: float | None = None
        self.floor: str | None = None
        self._ids = 0
        self.ending = False
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Done when the last member left (recordings of the room stop then)."""
        self.recordings: list["Active"] = []
        self.record_for: RoomMember | None = None
        """The member whose ``record="true"`` waits for the room to be ready."""
        self.loud_at: dict[str, float] = {}
        """When each leg last sent a loud audio frame (the floor on real audio)."""
        self.mixer.subscribe(self._heard)

    @property
    def started(self) -> bool:
        return self.started_at is not None

    def add(self, call: LiveCall, node: Node) -> RoomMember:
        self._ids += 1
        clock = self.engine.clock
        member = RoomMember(str(self._ids), call, node, clock.monotonic(), clock.now(), muted=node["muted"])
        self.members[member.member_id] = member
        return member

    def remove(self, member: RoomMember) -> None:
        self.members.pop(member.member_id, None)
        if member.call.leg is not None:
            self.loud_at.pop(member.call.leg.uuid, None)
        if self.floor == member.member_id:
            self.floor = None
        for task in member.overlays.values():
            task.cancel()

    def find(self, member_ids: str) -> list[RoomMember]:
        """Members by ``all`` or a comma-separated list of ids (only those still here)."""
        if member_ids.strip().lower() == "all":
            return list(self.members.values())
        wanted = [part.strip() for part in member_ids.split(",") if part.strip()]
        return [self.members[mid] for mid in wanted if mid in self.members]

    # --- media state ---------------------------------------------------------------------------

    def apply(self, member: RoomMember) -> None:
        """Put the member's mute/deaf state (and waiting) into the mixer."""
        entry = self.mixer.members.get(member.call.leg.uuid) if member.call.leg is not None else None
        if entry is not None:
            entry.muted = member.muted or member.waiting
            entry.deaf = member.deaf or member.waiting

    def start(self) -> None:
        """A starter joined: waiting members stop their wait music and can speak and hear."""
        if self.started:
            return
        self.started_at = self.engine.clock.monotonic()
        for member in self.members.values():
            if member.waiting:
                member.waiting = False
                if member.wait_music is not None:
                    member.wait_music.cancel()
                    if member.call.leg is not None:
                        member.call.leg.stop_media()
                self.apply(member)
        first = next((m for m in self.members.values() if not m.muted), None)
        if first is not None and self.floor is None:
            self.take_floor(first)

    def play(self, media: list[Media], name: str) -> "asyncio.Task[None]":
        """Play ``media`` into the room (enter/exit sounds): everyone not deaf hears it."""
        async def run() -> None:
            for item in media:
                self.mixer.broadcast(Sound("media", media=item, seconds=estimated_seconds(item),
                                           at=self.engine.clock.monotonic()))
                await self.engine.clock.sleep(estimated_seconds(item))

        return self.engine.spawn(run(), f"room-{name}-{self.uuid}")

    def end(self, why: str = "end") -> None:
        """End the room for everyone (endConferenceOnExit, stayAlone=false, timeLimit)."""
        self.ending = True
        for member in list(self.members.values()):
            member.leave(why)

    # --- the floor -----------------------------------------------------------------------------

    def _heard(self, sound: Sound) -> None:
        if sound.kind == "audio":
            if not sound.loud:
                return
            self.loud_at[sound.speaker] = sound.at
            holder = self.members.get(self.floor or "")
            holder_leg = holder.call.leg if holder is not None else None
            if holder_leg is not None and (holder_leg.uuid == sound.speaker or
                                           sound.at - self.loud_at.get(holder_leg.uuid, float("-inf")) < FLOOR_HOLD):
                return
        elif sound.kind != "voice" or not sound.speaker:
            return
        speaker = next((m for m in self.members.values()
                        if m.call.leg is not None and m.call.leg.uuid == sound.speaker), None)
        if speaker is not None and speaker.member_id != self.floor:
            self.take_floor(speaker)

    def take_floor(self, member: RoomMember) -> None:
        self.floor = member.member_id
        if member.node["floorEvent"]:
            self.engine.spawn(self.callback(member, "floor"), f"room-floor-{self.uuid}")

    # --- callbacks -----------------------------------------------------------------------------

    async def callback(self, member: RoomMember, action: str, **extra: str) -> None:
        """A ``callbackUrl`` event of this member: enter, exit, digits, floor."""
        url = member.node["callbackUrl"]
        if not url:
            return
        call = member.call
        params = call.params(ConferenceAction=action, ConferenceName=self.name, ConferenceUUID=self.uuid,
                             ConferenceMemberID=member.member_id, CallUUID=call.call_uuid, **extra)
        await self.engine.notify(call, url, params, member.node["callbackMethod"],
                                 f"conference.{action}")

    def action_params(self, member: RoomMember) -> dict[str, str]:
        """``RecordUrl``/``RecordingID`` are the room's recording's (the first, when several run)."""
        active = self.recordings[0] if self.recordings else None
        return {"ConferenceName": self.name, "ConferenceUUID": self.uuid, "ConferenceMemberID": member.member_id,
                "RecordUrl": self.engine.recordings.url(active.target.owner, active.recording_id, active.file_format)
                if active else "", "RecordingID": active.recording_id if active else ""}

    def json(self) -> dict[str, Any]:
        now = self.engine.clock.monotonic()
        return {
            "conference_name": self.name,
            "conference_run_time": str(int(now - (self.started_at or self.created_at))),
            "conference_member_count": str(len(self.members)),
            "members": [member.json(now) for member in self.members.values()],
        }


class Conferences:
    """The live rooms of every account (``engine.conferences``)."""

    def __init__(self, engine: "VoiceEngine"):
        self.engine = engine
        self.rooms: dict[tuple[str, str], Room] = {}

    def get(self, owner: str, name: str) -> Room | None:
        return self.rooms.get((owner, name))

    def open(self, owner: str, name: str) -> Room:
        room = self.rooms.get((owner, name))
        if room is None or room.ending:
            room = self.rooms[(owner, name)] = Room(self.engine, owner, name)
        return room

    def close_if_empty(self, room: Room) -> None:
        if room.members:
            return
        if not room.closed.done():
            room.closed.set_result(None)
        if self.rooms.get((room.owner, room.name)) is room:
            del self.rooms[(room.owner, room.name)]

    def of(self, owner: str) -> list[Room]:
        return [room for (who, _), room in self.rooms.items() if who == owner]
