"""<Dial> on both networks: an endpoint phone calls in, its application dials other endpoint
phones (``<User>``: baresip over SIP, simulated phones on the simulator)."""

from typing import Any

import pytest

from tests.voice.behaviour.phones import Network, Phone
from tests.voice.behaviour.test_elements import PLAY_HZ

AFTER = "<Response><Speak>Thank you.</Speak></Response>"


def xml_attributes(attributes: dict[str, str]) -> str:
    return "".join(f' {k}="{v}"' for k, v in attributes.items())


def dial(net: Network, *callees: Phone, caller: list[dict[str, Any]], user: dict[str, str] | None = None,
         **attributes: str) -> tuple[Phone, str]:
    """The caller phone calls in; the app dials ``callees`` (each ``<User>`` with ``user``'s
    attributes) with ``attributes`` (action → /action)."""
    attrs = xml_attributes({"action": net.customer.url("/action"), **attributes})
    users = "".join(f"<User{xml_attributes(user or {})}>{phone.uri}</User>" for phone in callees)
    app = net.app(f"<Response><Dial{attrs}>{users}</Dial></Response>", action=AFTER, events="")
    a = net.phone(caller, app_id=app)
    a.call("14155550199")
    return a, net.customer.wait_for("/answer")[0].params["CallUUID"]


def test_dial_bridges_the_answering_phone_and_reports_the_action(net: Network) -> None:
    b = net.phone([{"wait": 2}, {"hangup": True}])
    a, a_uuid = dial(net, b, caller=[{"wait": 15}], callbackUrl=net.customer.url("/events"))
    action = net.customer.wait_for("/action", timeout=30)[0].params
    assert action["DialStatus"] == "completed" and action["DialALegUUID"] == a_uuid
    assert action["DialRingStatus"] == "true" and action["DialHangupCause"] == "NORMAL_CLEARING"
    b_record = net.record(action["DialBLegUUID"])
    assert b_record["parent_call_uuid"] == a_uuid and b_record["hangup_source"] == "Callee"
    events = {hit.params["DialAction"]: hit.params for hit in net.customer.wait_for("/events", 3)}
    assert sorted(events) == ["answer", "connected", "hangup"]
    assert events["hangup"]["DialBLegUUID"] == action["DialBLegUUID"] and events["hangup"]["DialBLegTo"] == b.uri
    net.customer.wait_for("/hangup")


def test_dialled_parties_hear_each_other(net: Network) -> None:
    b = net.phone([{"say": "Hello, this is Bea."}, {"wait": 3}, {"hangup": True}])
    a, _ = dial(net, b, caller=[{"wait": 1}, {"say": "Hi Bea."}, {"wait": 15}])
    net.customer.wait_for("/action", timeout=30)
    b.wait_ended()
    a.wait_ended()
    assert a.heard().tone(b.hum) > 0.5 or a.heard().speech > 0.5
    assert b.heard().tone(a.hum) > 0.5 or b.heard().speech > 0.5


def test_parallel_ring_first_to_answer_wins(net: Network) -> None:
    slow = net.phone([{"ring": 8}, {"wait": 5}])
    fast = net.phone([{"ring": 1}, {"wait": 2}, {"hangup": True}])
    dial(net, slow, fast, caller=[{"wait": 15}])
    action = net.customer.wait_for("/action", timeout=30)[0].params
    assert action["DialStatus"] == "completed"
    winner = net.record(action["DialBLegUUID"])
    assert winner["hangup_cause_code"] == 4000 and winner["to_number"] in fast.uri
    slow.wait_ended()
    losers = [r for r in net.sdk.calls.list(limit=20) if r.call_uuid not in (action["DialBLegUUID"], action["DialALegUUID"])]
    assert [(r.hangup_cause_code, r.hangup_cause_name) for r in losers] == [(9000, "Lost Race")]


@pytest.mark.parametrize(("reject", "status", "cause"), [("busy", "busy", "USER_BUSY"),
                                                        ("no-answer", "no-answer", "NO_ANSWER")])
def test_dial_status_when_nobody_answers(net: Network, reject: str, status: str, cause: str) -> None:
    b = net.phone([{"reject": reject}])
    dial(net, b, caller=[{"wait": 10}], timeout="3")
    action = net.customer.wait_for("/action", timeout=30)[0].params
    assert action["DialStatus"] == status and action["DialBLegUUID"] == "" and action["DialHangupCause"] == cause


def test_dial_confirm_key(net: Network) -> None:
    net.customer.route("/confirm", "<Response><Speak>Press 5.</Speak></Response>")
    wrong = net.phone([{"ring": 1}, {"wait": 2}, {"press": "3"}, {"wait": 10}])  # a wrong key, then none
    right = net.phone([{"ring": 4.5}, {"wait": 2}, {"press": "5"}, {"wait": 1}, {"hangup": True}])
    dial(net, wrong, right, caller=[{"wait": 20}], confirmSound=net.customer.url("/confirm"), confirmKey="5",
         confirmTimeout="2")
    action = net.customer.wait_for("/action", timeout=30)[0].params
    assert action["DialStatus"] == "completed"
    assert net.record(action["DialBLegUUID"])["to_number"] in right.uri
    wrong.wait_ended()
    wrong_call = [r for r in net.sdk.calls.list(limit=20)
                  if r.call_uuid not in (action["DialBLegUUID"], action["DialALegUUID"])]
    assert [r.hangup_cause_code for r in wrong_call] == [9110]
    right.wait_ended()
    assert right.heard().speech > 0.3  # the confirm sound


def test_dial_hangup_on_star_drops_the_b_leg(net: Network) -> None:
    b = net.phone([{"wait": 20}])
    a, _ = dial(net, b, caller=[{"wait": 3}, {"press": "*"}, {"wait": 4}], hangupOnStar="true")
    action = net.customer.wait_for("/action", timeout=30)[0].params
    assert action["DialStatus"] == "completed"
    assert net.record(action["DialBLegUUID"])["hangup_source"] == "Caller"
    b.wait_ended()
    a.wait_ended()
    heard = a.heard("Thank you", "Goodbye")
    assert heard.said("Thank you", "Goodbye") == ["Thank you"], heard.words  # the action ran after the star


def test_dial_music_plays_to_the_caller_while_the_b_leg_rings(net: Network) -> None:
    url = net.tone_url(PLAY_HZ, 1.0)
    net.customer.route("/music", f"<Response><Play>{url}</Play></Response>")
    b = net.phone([{"ring": 4}, {"wait": 1}, {"hangup": True}])
    a, _ = dial(net, b, caller=[{"wait": 10}], dialMusic=net.customer.url("/music"))
    assert net.customer.wait_for("/action", timeout=30)[0].params["DialStatus"] == "completed"
    a.wait_ended()
    assert a.heard().tone(PLAY_HZ) > 1.5  # looped while the B-leg rang
    assert b.heard().tone(PLAY_HZ) == 0.0


def test_dial_time_limit_ends_the_bridge(net: Network) -> None:
    b = net.phone([{"wait": 30}])
    a, _ = dial(net, b, caller=[{"wait": 30}], timeLimit="3", callbackUrl=net.customer.url("/events"))
    action = net.customer.wait_for("/action", timeout=30)[0].params
    assert action["DialStatus"] == "completed"
    b_record = net.record(action["DialBLegUUID"])
    assert (b_record["hangup_cause_code"], b_record["hangup_source"]) == (6000, "Plivo")
    hangup = next(hit.params for hit in net.customer.wait_for("/events", 3) if hit.params["DialAction"] == "hangup")
    assert hangup["DialBLegHangupCauseCode"] == "6000"
    b.wait_ended()
    a.wait_ended()
    heard = a.heard("Thank you", "Goodbye")
    assert heard.said("Thank you", "Goodbye") == ["Thank you"], heard.words  # the A-leg went on to the action


def test_dial_digits_match_reports_who_pressed(net: Network) -> None:
    b = net.phone([{"wait": 2}, {"press": "99"}, {"wait": 20}])
    a, _ = dial(net, b, caller=[{"wait": 4}, {"press": "12"}, {"wait": 2}, {"hangup": True}],
                digitsMatch="12,34", digitsMatchBLeg="99", callbackUrl=net.customer.url("/events"))
    a.wait_ended()
    b.wait_ended()
    events = [hit.params for hit in net.customer.wait_for("/events", 5)]
    digits = sorted((e["DialDigitsMatch"], e["DialDigitsPressedBy"]) for e in events if e["DialAction"] == "digits")
    assert digits == [("12", "ALeg"), ("99", "BLeg")]


def test_user_send_digits_reach_the_b_leg_on_answer(net: Network) -> None:
    b = net.phone([{"wait": 4}, {"hangup": True}])
    dial(net, b, caller=[{"wait": 15}], user={"sendDigits": "1w23"})
    assert net.customer.wait_for("/action", timeout=30)[0].params["DialStatus"] == "completed"
    b.wait_ended()
    assert b.heard().digits == "123"  # the "w" is a pause, not a digit
