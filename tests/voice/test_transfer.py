"""``POST Call/{uuid}/`` on calls bridged by <Dial>: legs=bleg moves the B-leg to its own XML and
the A-leg's Dial ends (its action runs); legs=both moves each leg; legs=aleg moves the A-leg and
the B-leg is hung up. The virtual clock is held still so the test acts while they are bridged."""

import pytest
from plivo import exceptions, plivoxml

from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.test_live import still_clock, wait_until  # noqa: F401 (fixture)

CALLER = "14155565000"
AGENT = "14155565001"


def bridged(sdk, sim: Sim, customer: CustomerApp) -> tuple[str, str]:
    """An inbound call from CALLER dialled to AGENT; returns (A uuid, B uuid) once they are bridged."""
    response = plivoxml.ResponseElement()
    response.add(plivoxml.DialElement(action=customer.url("/dial-done"), callback_url=customer.url("/events")))
    response.children[0].add_number(AGENT)
    customer.route("/answer", response.to_string())
    customer.route("/events", "")
    customer.route("/hangup", "")
    customer.route("/dial-done", "<Response><Speak>The agent has gone.</Speak><Wait length=\"60\"/></Response>")
    customer.route("/a-new", "<Response><Speak>You are on hold.</Speak><Wait length=\"60\"/></Response>")
    customer.route("/b-new", "<Response><Speak>Next caller in the queue.</Speak><Wait length=\"60\"/></Response>")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    sim.phone(AGENT, [{"ring": 0}])
    sim.phone(CALLER, [])
    a_uuid = sim.call(CALLER, number, [{"wait": 600}])
    connected = wait_until(lambda: event(customer, "connected"))
    return a_uuid, connected["DialBLegUUID"]


def event(customer: CustomerApp, action: str) -> dict[str, str] | None:
    """The Dial callback with this DialAction (callbacks may arrive in any order)."""
    return next((hit.params for hit in customer.requests_to("/events") if hit.params["DialAction"] == action), None)


def said(sim: Sim, phone: str, text: str) -> bool:
    return any(event["text"] == text for event in kinds(sim.log(phone), "heard_speech"))


def test_transfer_b_leg(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    a_uuid, b_uuid = bridged(sdk, sim, customer)
    sdk.live_calls.get(b_uuid)  # the B-leg is a live call of its own
    assert sdk.last_json()["direction"] == "outbound"
    sdk.calls.update(a_uuid, legs="bleg", bleg_url=customer.url("/b-new"))
    assert sdk.last_status == 202 and sdk.last_json()["message"] == "call transfered"
    b_request = customer.wait_for("/b-new")[0].params
    assert b_request["CallUUID"] == b_uuid and b_request["To"] == AGENT
    action = customer.wait_for("/dial-done")[0].params
    assert action["DialStatus"] == "completed" and action["DialBLegUUID"] == b_uuid
    wait_until(lambda: said(sim, AGENT, "Next caller in the queue.") and said(sim, CALLER, "The agent has gone."))
    hangup_event = wait_until(lambda: event(customer, "hangup"))
    assert hangup_event["DialBLegStatus"] == "transferred"
    with pytest.raises(exceptions.ValidationError):  # no longer bridged
        sdk.calls.update(a_uuid, legs="bleg", bleg_url=customer.url("/b-new"))
    sdk.calls.delete(a_uuid)
    sdk.calls.delete(b_uuid)


def test_transfer_both_legs(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    a_uuid, b_uuid = bridged(sdk, sim, customer)
    sdk.calls.update(a_uuid, legs="both", aleg_url=customer.url("/a-new"), aleg_method="GET",
                     bleg_url=customer.url("/b-new"), bleg_method="POST")
    a_request, b_request = customer.wait_for("/a-new")[0], customer.wait_for("/b-new")[0]
    assert a_request.params["CallUUID"] == a_uuid and a_request.method == "GET"
    assert b_request.params["CallUUID"] == b_uuid and b_request.method == "POST"
    wait_until(lambda: said(sim, AGENT, "Next caller in the queue.") and said(sim, CALLER, "You are on hold."))
    assert customer.requests_to("/dial-done") == []  # the A-leg left its Dial by transfer: no action
    sdk.calls.delete(a_uuid)
    sdk.calls.delete(b_uuid)


def test_transfer_a_leg_hangs_up_the_b_leg(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    a_uuid, b_uuid = bridged(sdk, sim, customer)
    sdk.calls.update(b_uuid, legs="aleg", aleg_url=customer.url("/a-new"))  # by the B-leg's uuid: its A-leg
    assert customer.wait_for("/a-new")[0].params["CallUUID"] == a_uuid
    record = sim.record(b_uuid)
    assert record["hangup_cause_code"] == 4000 and record["parent_call_uuid"] == a_uuid
    with pytest.raises(exceptions.ValidationError):
        sdk.calls.update(a_uuid, legs="both", aleg_url=customer.url("/a-new"))  # no bleg_url
    sdk.calls.delete(a_uuid)


def test_play_speak_and_digits_reach_the_legs_named(sdk, sim: Sim, customer: CustomerApp,
                                                   still_clock: None) -> None:  # noqa: F811
    """Live Play/Speak/DTMF on a bridged call: ``aleg`` is the call named, ``bleg`` the party its
    Dial bridged to it, ``both`` the two; one DELETE stops what the request started on both."""
    from tests.voice.test_live import wav

    customer.route("/tone.wav", wav(0.5))
    a_uuid, b_uuid = bridged(sdk, sim, customer)

    def spoken(phone: str, text: str) -> bool:
        return any(e["text"] == text and e.get("overlay") for e in kinds(sim.log(phone), "heard_speech"))

    sdk.calls.speak(a_uuid, "Only the agent hears this.", legs="bleg")
    assert sdk.last_status == 202 and sdk.last_json()["message"] == "speak started"
    sdk.calls.speak(b_uuid, "Only the caller hears this.", legs="bleg")  # the B-leg's bleg is the caller
    sdk.calls.speak(a_uuid, "The caller hears this too.", legs="aleg")
    wait_until(lambda: spoken(AGENT, "Only the agent hears this.") and spoken(CALLER, "Only the caller hears this.")
               and spoken(CALLER, "The caller hears this too."))
    assert not spoken(CALLER, "Only the agent hears this.") and not spoken(AGENT, "Only the caller hears this.")
    assert not spoken(AGENT, "The caller hears this too.")

    sdk.calls.play(a_uuid, customer.url("/tone.wav"), legs="both")
    wait_until(lambda: kinds(sim.log(CALLER), "heard_audio") and kinds(sim.log(AGENT), "heard_audio"))
    def holds(phone: str) -> int:
        return sum(e["text"] == "Hold please." for e in kinds(sim.log(phone), "heard_speech"))

    sdk.calls.speak(a_uuid, "Hold please.", legs="both", loop=True)
    wait_until(lambda: holds(CALLER) >= 2 and holds(AGENT) >= 2)  # looped on both legs
    sdk.calls.speak_stop(a_uuid)
    assert sdk.last_status == 204
    for phone in (CALLER, AGENT):  # the one DELETE cut the loop short on both legs
        wait_until(lambda phone=phone: any(e["text"] == "Hold please." and "interrupted_after" in e
                                           for e in kinds(sim.log(phone), "heard_speech")))

    sdk.calls.send_digits(a_uuid, "42", leg="bleg")
    assert sdk.last_status == 202
    wait_until(lambda: any(e["digits"] == "42" for e in kinds(sim.log(AGENT), "received_digits")))
    assert not any(e["digits"] == "42" for e in kinds(sim.log(CALLER), "received_digits"))
    sdk.calls.delete(a_uuid)  # the bridge ends with it
    assert sim.record(b_uuid)["hangup_source"] == "Caller"


def test_transfer_while_the_dial_rings_cancels_the_b_legs(sdk, sim: Sim, customer: CustomerApp,
                                                          still_clock: None) -> None:  # noqa: F811
    """A transfer of the A-leg while its Dial still rings: the B-legs are cancelled by the platform
    (1000, source Plivo: the caller did not hang up), no Dial action, the new XML runs."""
    response = plivoxml.ResponseElement()
    response.add(plivoxml.DialElement(action=customer.url("/dial-done")))
    response.children[0].add_number("14155565011")
    customer.route("/answer", response.to_string())
    customer.route("/dial-done", "")
    customer.route("/a-new", "<Response><Speak>You are on hold.</Speak><Wait length=\"60\"/></Response>")
    sim.phone("14155565010", [{"ring": 0}])
    sim.phone("14155565011", [{"ring": 120}])
    a_uuid = sdk.calls.create(from_=CALLER, to_="14155565010", answer_url=customer.url("/answer")).request_uuid
    ringing = wait_until(lambda: [e for e in kinds(sim.log("14155565011"), "call") if e.get("state") == "ringing"])
    sdk.calls.update(a_uuid, legs="aleg", aleg_url=customer.url("/a-new"))
    assert customer.wait_for("/a-new")[0].params["CallUUID"] == a_uuid
    record = sim.record(ringing[0]["call_uuid"])
    assert record["hangup_cause_code"] == 1000 and record["hangup_source"] == "Plivo"
    assert customer.requests_to("/dial-done") == []
    sdk.calls.delete(a_uuid)
