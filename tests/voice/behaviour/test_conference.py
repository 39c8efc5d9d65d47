"""<Conference> on both networks: endpoint phones call in to a room; the callbacks, who heard whom,
the wait sound, the enter sound, mute, maxMembers and endConferenceOnExit."""

from collections.abc import Callable
from typing import Any

import pytest

from tests.voice.behaviour.phones import Network, Phone
from tests.voice.behaviour.test_elements import PLAY_HZ

AFTER = "<Response><Speak>The room has closed.</Speak></Response>"


def room(net: Network, **attributes: str) -> str:
    attrs = " ".join(f'{k}="{v}"' for k, v in {"callbackUrl": net.customer.url("/events"), **attributes}.items())
    return f"<Response><Conference {attrs}>behaviour-room</Conference></Response>"


def members(net: Network, rooms: list[tuple[str, list[dict[str, Any]]]], refused: int = 0) -> list[Phone]:
    """One phone per (room XML, script), calling in one after the other (each once the previous
    has entered the room); the app serves each its own room XML. The last ``refused`` phones are
    turned away: each is waited for until its call has ended instead."""
    xml: dict[str, str] = {}
    answer: Callable[[dict[str, str]], str] = lambda params: xml[params["From"]]  # noqa: E731
    app = net.app(answer, events="", action=AFTER)
    phones = [net.phone(script, app_id=app) for _, script in rooms]
    with net.real_time():
        for index, (phone, (document, _)) in enumerate(zip(phones, rooms), 1):
            xml[phone.uri] = document
            phone.call("14155550199")
            if index > len(rooms) - refused:
                phone.wait_ended()
                continue
            entered = [e for e in net.customer.wait_for("/events", index, timeout=30) if e.params["ConferenceAction"] == "enter"]
            assert len(entered) == index, [(e.params["ConferenceAction"], e.params["CallUUID"])
                                           for e in net.customer.requests_to("/events")]
    return phones


def test_enter_and_exit_callbacks_and_end_conference_on_exit(net: Network) -> None:
    member, host = members(net, [
        (room(net, action=net.customer.url("/action")), [{"wait": 30}]),
        (room(net, endConferenceOnExit="true"), [{"wait": 2}, {"hangup": True}]),
    ])
    host.wait_ended()
    member.wait_ended()
    net.customer.wait_for("/hangup", 2)
    got = [hit.params for hit in net.customer.requests_to("/events")]
    answers = {hit.params["From"]: hit.params["CallUUID"] for hit in net.customer.requests_to("/answer")}
    member_uuid, host_uuid = answers[member.uri], answers[host.uri]
    assert sorted((e["ConferenceAction"], e["CallUUID"]) for e in got) == sorted(
        [("enter", member_uuid), ("enter", host_uuid), ("exit", member_uuid), ("exit", host_uuid)])
    enter = next(e for e in got if e["ConferenceAction"] == "enter" and e["CallUUID"] == member_uuid)
    assert enter["ConferenceName"] == "behaviour-room" and enter["ConferenceMemberID"] and enter["ConferenceUUID"]
    # the host's leaving ended the room: the member was let go with its call up, so its action ran
    action = net.customer.wait_for("/action")[0].params
    assert action["CallUUID"] == member_uuid and action["ConferenceName"] == "behaviour-room"


def test_wait_sound_plays_to_a_member_waiting_for_the_start(net: Network) -> None:
    url = net.tone_url(PLAY_HZ, 1.0)
    net.customer.route("/wait", f"<Response><Play>{url}</Play></Response>")
    (alone,) = members(net, [(room(net, startConferenceOnEnter="false", waitSound=net.customer.url("/wait")),
                              [{"wait": 4}, {"hangup": True}])])
    alone.wait_ended()
    assert alone.heard().tone(PLAY_HZ) > 1.5  # looped


def test_members_hear_each_other_but_not_a_muted_one(net: Network) -> None:
    talker, listener = members(net, [
        (room(net), [{"say": "Hello everyone."}, {"wait": 3}, {"hangup": True}]),
        (room(net, muted="true"), [{"say": "Can you hear me?"}, {"wait": 3}, {"hangup": True}]),
    ])
    talker.wait_ended()
    listener.wait_ended()
    assert listener.heard().tone(talker.hum) > 1.0 or listener.heard().speech > 0.5
    assert talker.heard().tone(listener.hum) == 0.0 and talker.heard().speech == 0.0


def test_digits_match_and_hangup_on_star_in_the_room(net: Network) -> None:
    (member,) = members(net, [(room(net, digitsMatch="12,34", hangupOnStar="true", action=net.customer.url("/action")),
                               [{"wait": 1}, {"press": "12"}, {"wait": 1}, {"press": "*"}, {"wait": 4}])])
    action = net.customer.wait_for("/action", timeout=30)[0].params
    member.wait_ended()
    got = [hit.params for hit in net.customer.requests_to("/events")]
    assert [e["ConferenceDigitsMatch"] for e in got if e["ConferenceAction"] == "digits"] == ["12"]
    assert [e["ConferenceAction"] for e in got] == ["enter", "digits", "exit"]
    assert action["ConferenceName"] == "behaviour-room"  # the star let the member go on to the action


def test_enter_sound_is_heard_by_the_room(net: Network) -> None:
    url = net.tone_url(PLAY_HZ, 1.0)
    net.customer.route("/enter", f"<Response><Play>{url}</Play></Response>")
    first, _ = members(net, [  # the newcomer is muted: the first hears only the room's sounds
        (room(net), [{"wait": 5}, {"hangup": True}]),
        (room(net, enterSound=net.customer.url("/enter"), muted="true"), [{"wait": 4}, {"hangup": True}]),
    ])
    first.wait_ended()
    assert 0.5 < first.heard().tone(PLAY_HZ) < 1.5  # once: for the newcomer, none for the first member


def test_max_members_turns_the_next_caller_away(net: Network) -> None:
    full = room(net, maxMembers="1").replace("</Response>", "<Speak>The room is full.</Speak></Response>")
    inside, turned_away = members(net, [(full, [{"wait": 6}, {"hangup": True}]), (full, [{"wait": 15}])], refused=1)
    inside.wait_ended()
    got = [hit.params for hit in net.customer.requests_to("/events")]
    answers = {hit.params["From"]: hit.params["CallUUID"] for hit in net.customer.requests_to("/answer")}
    assert [(e["ConferenceAction"], e["CallUUID"]) for e in got if e["ConferenceAction"] == "enter"] == [
        ("enter", answers[inside.uri])]
    heard = turned_away.heard("The room is full", "Goodbye")
    assert heard.said("The room is full", "Goodbye") == ["The room is full"], heard.words
    assert inside.heard("The room is full", "Goodbye").said("The room is full") == []
