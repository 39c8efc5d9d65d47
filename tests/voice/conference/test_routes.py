"""The Conference REST API through the official SDK: list, get with members, member mute/deaf,
speak/play and their stops, kick (the member's action runs), member hangup, hang up one room and
all rooms, with Plivo's response shapes and 404s for rooms and members that are not there. The
virtual clock is held still (real time flows) so calls stay in the room while the test acts."""

import pytest
from plivo import exceptions, plivoxml

from tests.helpers import assert_plivo_shape
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.test_live import still_clock, wait_until, wav  # noqa: F401 (fixture)

CALLER = "14155563000"


def join(sdk, customer: CustomerApp, to: str, room: str) -> str:
    response = plivoxml.ResponseElement()
    response.add(plivoxml.ConferenceElement(room, action=customer.url("/left"), callback_url=customer.url("/events")))
    customer.route(f"/answer-{to}", response.to_string())
    return sdk.calls.create(from_=CALLER, to_=to, answer_url=customer.url(f"/answer-{to}"),
                            hangup_url=customer.url("/hangup")).request_uuid


def test_conference_api(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    customer.route("/events", "")
    customer.route("/hangup", "")
    customer.route("/long.wav", wav(30.0))
    customer.route("/left", "<Response><Speak>You were removed from the room.</Speak><Wait length=\"60\"/></Response>")
    sim.phone("14155563001", [{"ring": 0}])
    sim.phone("14155563002", [{"ring": 0}])
    first = join(sdk, customer, "14155563001", "Sales Room")
    second = join(sdk, customer, "14155563002", "Sales Room")
    customer.wait_for("/events", 2)

    sdk.conferences.list()
    assert_plivo_shape(sdk.last_json(), "conferenceListResponse")
    assert sdk.last_json()["conferences"] == ["Sales Room"]
    sdk.conferences.get("Sales Room")
    room = sdk.last_json()
    assert_plivo_shape(room, "conferenceGetResponse")
    assert room["conference_member_count"] == "2"
    members = {m["call_uuid"]: m for m in room["members"]}
    assert set(members) == {first, second}
    one, two = members[first]["member_id"], members[second]["member_id"]
    assert members[first]["direction"] == "outbound" and members[first]["to"] == "14155563001"
    assert members[first]["muted"] is False and members[first]["deaf"] is False
    assert all(m["join_time"].isdigit() for m in room["members"]) and room["conference_run_time"].isdigit()

    sdk.conferences.member_mute("Sales Room", one)
    assert sdk.last_status == 202
    assert_plivo_shape(sdk.last_json(), "conferenceMemberMuteCreateResponse")
    sdk.conferences.member_deaf("Sales Room", two)
    assert_plivo_shape(sdk.last_json(), "conferenceMemberDeafCreateResponse")
    sdk.conferences.get("Sales Room")
    state = {m["member_id"]: (m["muted"], m["deaf"]) for m in sdk.last_json()["members"]}
    assert state == {one: (True, False), two: (False, True)}
    sdk.conferences.member_mute_stop("Sales Room", one)
    assert sdk.last_status == 204
    sdk.conferences.member_deaf_stop("Sales Room", two)
    sdk.conferences.get("Sales Room")
    assert all(not m["muted"] and not m["deaf"] for m in sdk.last_json()["members"])

    notice = ("A supervisor is listening to this call for training. " * 6).strip()

    def overlaid(phone: str, kind: str, stopped: bool = False) -> list[dict]:
        return [e for e in kinds(sim.log(phone), kind) if e.get("overlay") and (not stopped or "interrupted_after" in e)]

    sdk.conferences.member_speak("Sales Room", two, notice, voice="MAN")
    assert_plivo_shape(sdk.last_json(), "conferenceMemberSpeakCreateResponse")
    assert sdk.last_json()["message"] == "speak queued into conference"
    wait_until(lambda: [e for e in overlaid("14155563002", "heard_speech") if e["text"] == notice])
    assert not any(e["text"] == notice for e in kinds(sim.log("14155563001"), "heard_speech"))
    sdk.conferences.member_speak_stop("Sales Room", two)
    assert sdk.last_status == 204
    wait_until(lambda: overlaid("14155563002", "heard_speech", stopped=True))  # cut short by the stop
    sdk.conferences.member_play("Sales Room", "all", customer.url("/long.wav"))
    assert_plivo_shape(sdk.last_json(), "conferenceMemberPlayCreateResponse")
    wait_until(lambda: overlaid("14155563001", "heard_audio") and overlaid("14155563002", "heard_audio"))
    sdk.conferences.member_play_stop("Sales Room", "all")
    assert sdk.last_status == 204
    wait_until(lambda: overlaid("14155563001", "heard_audio", True) and overlaid("14155563002", "heard_audio", True))

    members_path = f"/v1/Account/{sim.account.auth_id}/Conference/Sales Room/Member/{two}/"
    for path, body in (("Play/", {"url": "ftp://example.com/a.wav"}), ("Play/", {"url": customer.url("/missing.wav")}),
                       ("Speak/", {"text": "hi", "voice": "ROBOT"}), ("Speak/", {"text": ""})):
        response = sim.http.post(members_path + path, json=body)
        assert response.status_code == 400 and "error" in response.json(), (path, body, response.text)

    sdk.conferences.member_kick("Sales Room", one)
    assert_plivo_shape(sdk.last_json(), "conferenceMemberKickCreateResponse")
    left = customer.wait_for("/left")[0].params
    assert left["CallUUID"] == first and left["ConferenceName"] == "Sales Room" and left["ConferenceMemberID"] == one
    wait_until(lambda: any(e["text"] == "You were removed from the room."
                           for e in kinds(sim.log("14155563001"), "heard_speech")))
    for operation in (sdk.conferences.member_mute, sdk.conferences.member_kick, sdk.conferences.member_hangup):
        with pytest.raises(exceptions.ResourceNotFoundError):
            operation("Sales Room", one)  # that member left

    sdk.conferences.member_hangup("Sales Room", two)
    assert sdk.last_status == 204
    hangups = customer.wait_for("/hangup")
    assert hangups[0].params["CallUUID"] == second and hangups[0].params["HangupSource"] == "API Request"
    wait_until(lambda: not sdk.conferences.list() or sdk.last_json()["conferences"] == [])
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.conferences.get("Sales Room")
    sdk.calls.delete(first)


def test_hang_up_rooms(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    customer.route("/events", "")
    customer.route("/hangup", "")
    customer.route("/left", "")
    for number, room in (("14155563011", "east"), ("14155563012", "east"), ("14155563013", "west")):
        sim.phone(number, [{"ring": 0}])
        join(sdk, customer, number, room)
    customer.wait_for("/events", 3)
    assert sorted(sdk.conferences.list() and sdk.last_json()["conferences"]) == ["east", "west"]
    sdk.conferences.delete("east")
    assert sdk.last_status == 204
    customer.wait_for("/hangup", 2)
    assert sdk.conferences.list() and sdk.last_json()["conferences"] == ["west"]
    sdk.conferences.delete_all()
    assert sdk.last_status == 204
    hangups = customer.wait_for("/hangup", 3)
    assert all(hit.params["HangupSource"] == "API Request" for hit in hangups)
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.conferences.delete("east")
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.conferences.member_mute("nowhere", "1")


def test_rooms_are_per_account(sdk, voice_server, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    """Two accounts using the same room name are in two rooms: they do not hear each other and
    each account's API sees only its own member."""
    from tests.helpers import RecordingClient

    other = voice_server.new_main_account()
    other_sdk = RecordingClient(voice_server.base_url, other.auth_id, other.auth_token)
    customer.route("/events", "")
    customer.route("/hangup", "")
    customer.route("/left", "")
    mine = [{"ring": 0}, {"wait": 1}, {"say": "Account one speaking."}, {"wait": 60}]
    theirs = [{"ring": 0}, {"wait": 1}, {"say": "Account two speaking."}, {"wait": 60}]
    sim.phone("14155563021", mine)
    sim.phone("14155563022", theirs)
    first = join(sdk, customer, "14155563021", "Lobby")
    second = join(other_sdk, customer, "14155563022", "Lobby")
    wait_until(lambda: all(kinds(sim.log(phone), "said") for phone in ("14155563021", "14155563022")))
    for client, uuid in ((sdk, first), (other_sdk, second)):
        client.conferences.get("Lobby")
        room = client.last_json()
        assert room["conference_member_count"] == "1" and [m["call_uuid"] for m in room["members"]] == [uuid]
    enters = {hit.params["CallUUID"]: hit.params["ConferenceUUID"] for hit in customer.wait_for("/events", 2)}
    assert enters[first] != enters[second]
    assert kinds(sim.log("14155563021"), "heard_voice") == kinds(sim.log("14155563022"), "heard_voice") == []
    sdk.conferences.delete_all()  # only this account's rooms
    assert customer.wait_for("/hangup")[0].params["CallUUID"] == first
    other_sdk.conferences.get("Lobby")
    assert other_sdk.last_json()["conference_member_count"] == "1"
    other_sdk.calls.delete(second)


def test_a_member_transferred_away_leaves_without_its_action(sdk, sim: Sim, customer: CustomerApp,
                                                             still_clock: None) -> None:  # noqa: F811
    customer.route("/events", "")
    customer.route("/hangup", "")
    customer.route("/left", "<Response><Speak>Should not run.</Speak></Response>")
    customer.route("/moved", "<Response><Speak>You were moved to another queue.</Speak><Wait length=\"60\"/></Response>")
    sim.phone("14155563031", [{"ring": 0}])
    sim.phone("14155563032", [{"ring": 0}])
    first = join(sdk, customer, "14155563031", "Moving Room")
    join(sdk, customer, "14155563032", "Moving Room")
    customer.wait_for("/events", 2)
    sdk.calls.update(first, legs="aleg", aleg_url=customer.url("/moved"))
    assert customer.wait_for("/moved")[0].params["CallUUID"] == first
    exit_event = wait_until(lambda: next((hit.params for hit in customer.requests_to("/events")
                                          if hit.params["ConferenceAction"] == "exit"), None))
    assert exit_event["CallUUID"] == first
    wait_until(lambda: any(e["text"] == "You were moved to another queue." for e in kinds(sim.log("14155563031"),
                                                                                          "heard_speech")))
    sdk.conferences.get("Moving Room")
    assert [m["call_uuid"] for m in sdk.last_json()["members"]] != [first]
    assert sdk.last_json()["conference_member_count"] == "1"
    assert customer.requests_to("/left") == []  # transferred away: no action for it
    with pytest.raises(exceptions.ValidationError):  # a member of a room has no B-leg to move
        sdk.calls.update(first, legs="bleg", bleg_url=customer.url("/moved"))
    sdk.conferences.delete("Moving Room")
    sdk.calls.delete(first)


def test_mute_and_deaf_change_who_hears_whom(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    """Member Mute/Deaf change what the room carries. Each phase moves the clock by hand so every
    phone says its next line; a marker phone's line, heard by someone, shows the phase's speech
    has gone through the room before the test looks at what was not heard."""
    customer.route("/events", "")
    customer.route("/hangup", "")
    customer.route("/left", "")
    speaker, marker, listener = "14155563051", "14155563052", "14155563053"
    sim.phone(speaker, [{"ring": 0}, {"wait": 100}, {"say": "Muted words."}, {"wait": 100}, {"say": "Deaf words."},
                        {"wait": 100}, {"say": "Now you hear me."}, {"wait": 600}])
    sim.phone(marker, [{"ring": 0}, {"wait": 100}, {"say": "Marker number one here."}, {"wait": 100},
                       {"say": "Marker number two here."}, {"wait": 600}])
    sim.phone(listener, [{"ring": 0}, {"wait": 900}])
    uuids = [join(sdk, customer, phone, "Quiet Room") for phone in (speaker, marker, listener)]
    customer.wait_for("/events", 3)
    sdk.conferences.get("Quiet Room")
    ids = {m["call_uuid"]: m["member_id"] for m in sdk.last_json()["members"]}
    s_id, l_id = ids[uuids[0]], ids[uuids[2]]

    def heard(phone: str) -> list[str]:
        return [e["text"] for e in kinds(sim.log(phone), "heard_voice")]

    def advance() -> None:
        assert sim.http.post("/_sim/clock/advance", json={"seconds": 110}).status_code == 200

    sdk.conferences.member_mute("Quiet Room", s_id)
    advance()
    wait_until(lambda: "Marker number one here." in heard(listener) and "Marker number one here." in heard(speaker))
    assert "Muted words." not in heard(listener) + heard(marker)  # a muted member is not heard

    sdk.conferences.member_mute_stop("Quiet Room", s_id)
    sdk.conferences.member_deaf("Quiet Room", l_id)
    advance()
    wait_until(lambda: "Deaf words." in heard(marker) and "Marker number two here." in heard(speaker))
    assert heard(listener) == ["Marker number one here."]  # deaf: heard nothing of this phase

    sdk.conferences.member_deaf_stop("Quiet Room", l_id)
    advance()
    wait_until(lambda: "Now you hear me." in heard(listener))
    sdk.conferences.delete("Quiet Room")
