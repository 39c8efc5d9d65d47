"""<Conference>: waiting members and wait music, starting the room, who hears whom, enter/exit
sounds and callbacks, endConferenceOnExit, stayAlone, maxMembers, muted, hangupOnStar,
digitsMatch, floorEvent, timeLimit, and action only when the member leaves with its call up."""

from typing import Any

import pytest
from plivo import plivoxml

from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp


def room_xml(name: str, after: str = "", wait_first: int = 0, **attrs: Any) -> str:
    response = plivoxml.ResponseElement()
    if wait_first:
        response.add_wait(length=wait_first)  # before answering: the call joins later
    response.add(plivoxml.ConferenceElement(name, **attrs))
    if after:
        response.add_speak(after)
    return response.to_string()


def number_for(sim: Sim, customer: CustomerApp, path: str, xml: str) -> str:
    customer.route(path, xml)
    return sim.rent_number(sim.application(customer.url(path), hangup_url=customer.url("/hangup")))


def call_in(sim: Sim, caller: str, number: str, script: list[dict[str, Any]]) -> str:
    sim.phone(caller, [])  # a fresh log
    return sim.call(caller, number, script)


def heard(sim: Sim, phone: str) -> list[tuple[str, str]]:
    return [(event["from"], event["text"]) for event in kinds(sim.log(phone), "heard_voice")]


def events(customer: CustomerApp, count: int) -> list[dict[str, str]]:
    return [hit.params for hit in customer.wait_for("/events", count)]


def test_waiting_member_hears_music_until_a_starter_joins_then_they_talk(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/hangup", "")
    customer.route("/events", "")
    customer.route("/wait", "<Response><Speak>Please hold, a volunteer will be with you shortly.</Speak></Response>")
    customer.route("/action", "<Response><Speak>The volunteer has left. Goodbye.</Speak></Response>")
    caller_number = number_for(sim, customer, "/caller", room_xml(
        "room-a", start_conference_on_enter=False, wait_sound=customer.url("/wait"), callback_url=customer.url("/events"),
        action=customer.url("/action")))
    host_number = number_for(sim, customer, "/host", room_xml(
        "room-a", end_conference_on_exit=True, enter_sound="beep:1", callback_url=customer.url("/events"), wait_first=12))

    caller = call_in(sim, "14155562001", caller_number, [{"say": "Is anyone there?"}, {"wait": 20},
                                                         {"say": "Thank you so much."}, {"wait": 60}])
    host = call_in(sim, "14155562002", host_number, [{"wait": 2}, {"say": "Hello, I am here to help."}, {"wait": 10},
                                                     {"hangup": True}])
    customer.wait_for("/hangup", 2)

    caller_log = sim.log("14155562001")
    music = [e for e in kinds(caller_log, "heard_speech") if e["text"].startswith("Please hold")]
    assert len(music) >= 2  # looped while waiting
    assert "interrupted_after" in music[-1]  # cut short when the host started the room
    # nobody heard the caller while it waited; afterwards each heard the other, with who spoke
    assert heard(sim, "14155562001") == [("14155562002", "Hello, I am here to help.")]
    assert heard(sim, "14155562002") == [("14155562001", "Thank you so much.")]
    assert [e["frequency"] for e in kinds(caller_log, "heard_beep") if e.get("mixed")] == [700]  # host's enterSound

    got = events(customer, 4)
    by = {(e["ConferenceAction"], e["CallUUID"]) for e in got}
    assert by == {("enter", caller), ("enter", host), ("exit", caller), ("exit", host)}
    enter = next(e for e in got if e["ConferenceAction"] == "enter" and e["CallUUID"] == caller)
    assert enter["ConferenceName"] == "room-a" and enter["ConferenceMemberID"] == "1" and enter["ConferenceUUID"]
    # the host's leaving ended the room: the caller was let go with its call up, so its action ran
    action = customer.wait_for("/action")[0].params
    assert action["ConferenceName"] == "room-a" and action["ConferenceMemberID"] == "1"
    assert action["ConferenceUUID"] == enter["ConferenceUUID"] and action["CallUUID"] == caller
    assert kinds(sim.log("14155562001"), "heard_speech")[-1]["text"] == "The volunteer has left. Goodbye."
    # the host hung up: no action for it
    assert len(customer.requests_to("/action")) == 1


def test_max_members_refuses_the_next_caller(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/hangup", "")
    number = number_for(sim, customer, "/small", room_xml("small-room", max_members=1, after="The room is full."))
    call_in(sim, "14155562011", number, [{"wait": 20}, {"hangup": True}])
    call_in(sim, "14155562012", number, [{"wait": 20}, {"hangup": True}])
    customer.wait_for("/hangup", 2)
    refused = [log for log in (sim.log("14155562011"), sim.log("14155562012"))
               if any(e["text"] == "The room is full." for e in kinds(log, "heard_speech"))]
    assert len(refused) == 1


def test_muted_member_is_not_heard_and_stay_alone_false_lets_the_last_go(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/hangup", "")
    listener = number_for(sim, customer, "/listen", room_xml("lecture", muted=True, stay_alone=False,
                                                             after="The lecture is over."))
    speaker = number_for(sim, customer, "/speak", room_xml("lecture"))
    call_in(sim, "14155562021", listener, [{"wait": 3}, {"say": "Can you hear me?"}, {"wait": 60}])
    call_in(sim, "14155562022", speaker, [{"wait": 5}, {"say": "Welcome to the lecture."}, {"hangup": True}])
    customer.wait_for("/hangup", 2)
    assert heard(sim, "14155562022") == []
    assert heard(sim, "14155562021") == [("14155562022", "Welcome to the lecture.")]
    assert kinds(sim.log("14155562021"), "heard_speech")[-1]["text"] == "The lecture is over."


def test_hangup_on_star_digits_match_floor_and_time_limit(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/hangup", "")
    customer.route("/events", "")
    customer.route("/action", "<Response><Speak>You left the room.</Speak></Response>")
    number = number_for(sim, customer, "/keys", room_xml(
        "keys", hangup_on_star=True, digits_match="12,34", floor_event=True, callback_url=customer.url("/events"),
        action=customer.url("/action")))
    other = number_for(sim, customer, "/other", room_xml("keys", time_limit=30, after="Time is up."))
    a = call_in(sim, "14155562031", number, [{"wait": 2}, {"say": "First."}, {"press": "12"}, {"wait": 3},
                                             {"press": "*"}, {"wait": 30}])
    call_in(sim, "14155562032", other, [{"wait": 60}])
    customer.wait_for("/hangup", 2, timeout=30)
    got = events(customer, 4)
    actions = [e["ConferenceAction"] for e in got if e["CallUUID"] == a]
    assert actions.count("enter") == 1 and actions.count("exit") == 1
    assert [e["ConferenceDigitsMatch"] for e in got if e["ConferenceAction"] == "digits"] == ["12"]
    assert [e["CallUUID"] for e in got if e["ConferenceAction"] == "floor"] == [a]  # the first unmuted member
    action = customer.wait_for("/action")[0].params
    assert action["CallUUID"] == a and action["ConferenceName"] == "keys"
    # the other member stayed alone until the room's time limit
    assert kinds(sim.log("14155562032"), "heard_speech")[-1]["text"] == "Time is up."
    assert [e["digits"] for e in kinds(sim.log("14155562032"), "heard_digits")][:2] == ["1", "2"]  # relayDTMF


@pytest.mark.parametrize("xml", [room_xml("x" * 257), "<Response><Conference></Conference></Response>",
                                 "<Response><Conference>a/b</Conference></Response>",
                                 room_xml("big", max_members=21)])
def test_bad_conference_name_or_attribute_is_invalid_xml(sim: Sim, customer: CustomerApp, xml: str) -> None:
    customer.route("/hangup", "")
    number = number_for(sim, customer, "/bad", xml)
    call_in(sim, "14155562041", number, [])
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "8011" and hangup["HangupSource"] == "Error"


def test_exit_sound_relay_dtmf_off_send_digits_and_get_methods(sim: Sim, customer: CustomerApp) -> None:
    for path, reply in (("/hangup", ""), ("/events", ""),
                        ("/left", "<Response><Speak>This reply is ignored.</Speak></Response>"),
                        ("/exit-sound", "<Response><Speak>A member has left the room.</Speak></Response>")):
        customer.route(path, reply)
    quiet = number_for(sim, customer, "/quiet", room_xml(
        "gaps", exit_sound=customer.url("/exit-sound"), relay_dtmf=False, send_digits="7", hangup_on_star=True,
        callback_url=customer.url("/events"), callback_method="GET", action=customer.url("/left"), method="GET",
        redirect=False, after="You left; the call goes on."))
    plain = number_for(sim, customer, "/plain", room_xml("gaps"))
    a = call_in(sim, "14155562051", quiet, [{"wait": 3}, {"press": "5"}, {"wait": 3}, {"press": "*"}, {"wait": 20}])
    call_in(sim, "14155562052", plain, [{"wait": 2}, {"press": "8"}, {"wait": 20}, {"hangup": True}])
    customer.wait_for("/hangup", 2)

    quiet_log, plain_log = sim.log("14155562051"), sim.log("14155562052")
    assert [e["digits"] for e in kinds(quiet_log, "received_digits")] == ["7"]  # sendDigits on joining
    assert "5" not in [e["digits"] for e in kinds(plain_log, "heard_digits")]  # relayDTMF=false
    assert ("14155562052", "8") in [(e["from"], e["digits"]) for e in kinds(quiet_log, "heard_digits")]
    # exitSound (a URL's Speak) played into the room for those still in it
    assert [e["text"] for e in kinds(plain_log, "heard_speech") if e.get("mixed")] == ["A member has left the room."]
    assert "A member has left the room." not in [e["text"] for e in kinds(quiet_log, "heard_speech")]
    # action with method GET and redirect=false: requested, its reply ignored, the next element ran
    left = customer.wait_for("/left")[0]
    assert left.method == "GET" and left.params["CallUUID"] == a and left.params["ConferenceName"] == "gaps"
    said = [e["text"] for e in kinds(quiet_log, "heard_speech")]
    assert said[-1] == "You left; the call goes on." and "This reply is ignored." not in said
    got = customer.wait_for("/events", 2)
    assert {hit.method for hit in got} == {"GET"}
    assert {hit.params["ConferenceAction"] for hit in got} == {"enter", "exit"}
