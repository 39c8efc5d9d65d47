"""``<Conference>``: the call joins a room and stays until it leaves it; then ``action`` runs.

Joining: a full room (``maxMembers``) refuses the member, who goes on with the next element.
Otherwise the member joins the room's mixer (muted with ``muted``; muted and deaf, hearing its
``waitSound``, while no starter has joined), the room hears ``enterSound``, ``callbackUrl`` gets
``enter``, and a member with ``startConferenceOnEnter`` starts the room. While in the room:
``*`` leaves with ``hangupOnStar``, ``digitsMatch`` sequences report ``digits``, ``timeLimit`` ends
the room. Leaving (kick, ``*``, the room ending, the call hanging up or being transferred): the
room hears ``exitSound``, ``callbackUrl`` gets ``exit``, ``endConferenceOnExit`` ends the room for
all, and with ``stayAlone=false`` a member left alone is let go. ``action`` is requested only if
the member left while its call was still up (not when it hung up or was transferred away).
"""

import asyncio
from typing import TYPE_CHECKING, Any

from switchboard.network.channel import CallLeg, wait_any
from switchboard.voice.conference import recording
from switchboard.voice.conference.room import Room, RoomMember
from switchboard.voice.document import Node
from switchboard.voice.prompts import sound_media

if TYPE_CHECKING:
    from switchboard.voice.interpreter import Interpreter


async def conference(interp: "Interpreter", node: Node, base: str) -> dict[str, Any] | None:
    engine, call = interp.engine, interp.call
    leg: CallLeg = interp.leg
    rooms = engine.conferences
    room = rooms.open(call.owner, node.text)
    if len(room.members) >= node["maxMembers"] or room.ending:
        engine.debug_log(call, "", base, "", f"<Conference> {node.text!r} is full ({len(room.members)} members, "
                                              f"maxMembers {node['maxMembers']}); the call was not admitted")
        rooms.close_if_empty(room)
        return None
    member = room.add(call, node)
    call.conference_uuid = room.uuid
    member.waiting = not node["startConferenceOnEnter"] and not room.started
    watcher: asyncio.Task[None] | None = None
    why = "hangup"
    try:
        await leg.join(room.mixer, muted=member.muted or member.waiting, deaf=member.waiting,
                       relay_dtmf=node["relayDTMF"])
        if node["sendDigits"]:
            engine.spawn(leg.send_digits(node["sendDigits"]), f"room-digits-{call.call_uuid}")
        if node["startConferenceOnEnter"]:
            room.start()
        elif room.started and room.floor is None and not member.muted:
            room.take_floor(member)
        await recording.joined(room, member)
        if node["enterSound"]:
            room.play(await sound_media(engine, call, node["enterSound"], "POST", "conference.enter_sound"), "enter")
        await room.callback(member, "enter")
        if member.waiting and node["waitSound"]:
            member.wait_music = asyncio.create_task(_wait_music(interp, node), name=f"wait-{call.call_uuid}")
        watcher = asyncio.create_task(_watch(room, member, leg), name=f"room-keys-{call.call_uuid}")
        finished = await wait_any(engine.clock, (member.left, leg.ended), node["timeLimit"])
        if not finished:
            room.end("timeLimit")
        why = member.left.result() if member.left.done() else "hangup"
    finally:
        if watcher is not None:
            watcher.cancel()
        if member.wait_music is not None:
            member.wait_music.cancel()
        leg.leave()
        room.remove(member)
        engine.spawn(_after_leaving(room, member), f"room-exit-{call.call_uuid}")
    if not leg.is_up or why == "hangup":
        return None
    return room.action_params(member)


async def _after_leaving(room: Room, member: RoomMember) -> None:
    """What a member's leaving does to the room: exit sound, ``exit`` callback, ending the room."""
    engine, node = room.engine, member.node
    rooms = engine.conferences
    await room.callback(member, "exit")
    if node["endConferenceOnExit"]:
        room.end()
    elif len(room.members) == 1 and not next(iter(room.members.values())).node["stayAlone"]:
        room.end()
    if room.members and node["exitSound"]:
        room.play(await sound_media(engine, member.call, node["exitSound"], "POST", "conference.exit_sound"), "exit")
    rooms.close_if_empty(room)


async def _wait_music(interp: "Interpreter", node: Node) -> None:
    """``waitSound``: the URL's prompts, looped until the room starts."""
    engine, call = interp.engine, interp.call
    media = await sound_media(engine, call, node["waitSound"], "POST", "conference.wait_sound")
    while media and interp.leg.is_up:
        for item in media:
            await interp.leg.play(item)


async def _watch(room: Room, member: RoomMember, leg: CallLeg) -> None:
    """Keys the member presses: ``*`` with ``hangupOnStar``, and ``digitsMatch`` sequences."""
    pressed = ""
    node = member.node
    leg.flush_digits()
    while leg.is_up and not member.left.done():
        digit = await leg.next_digit(None)
        if digit is None:
            return
        if digit == "*" and node["hangupOnStar"]:
            member.leave("star")
            return
        pressed = (pressed + digit)[-64:]
        for pattern in node["digitsMatch"]:
            if pressed.endswith(pattern):
                pressed = ""
                await room.callback(member, "digits", ConferenceDigitsMatch=pattern)
                break
