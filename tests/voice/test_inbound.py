"""Calls into the platform: routing by number, default number app, endpoints, unknown
destinations; Plivo's lazy answering, PreAnswer, and a leading Hangup that rejects the call."""

from plivo import plivoxml

from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp

CALLER = "14155550499"


def test_lazy_answer_wait_then_speak(sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_wait(length=3)
    response.add_speak("Thanks for holding.")
    customer.route("/answer", response.to_string())
    customer.route("/hangup", "")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    sim.call(CALLER, number)
    hangup = customer.wait_for("/hangup")[0].params
    log = sim.log(CALLER)
    states = [e for e in kinds(log, "call") if e.get("state") in ("ringing", "answered")]
    assert [e["state"] for e in states] == ["ringing", "answered"]
    silence = kinds(log, "heard_silence")[0]
    assert silence["at"] < states[1]["at"]  # the Wait ran before the call was answered
    assert kinds(log, "heard_speech")[0]["at"] >= states[1]["at"]
    assert hangup["CallStatus"] == "completed" and hangup["HangupCauseCode"] == "4010"
    assert int(hangup["Duration"]) <= 2  # billing starts at answer, after the 3 s Wait


def test_preanswer_is_early_media(sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    early = plivoxml.PreAnswerElement()
    early.add_speak("Calls may be recorded.")
    response.add(early)
    response.add_speak("Hello, how can we help?")
    customer.route("/answer", response.to_string())
    number = sim.rent_number(sim.application(customer.url("/answer")))
    sim.call("14155550401", number)
    customer.wait_for("/answer")
    log = sim.log("14155550401")
    for _ in range(200):
        log = sim.log("14155550401")
        if kinds(log, "call")[-1].get("state") == "ended":
            break
    order = [e.get("state") or e.get("text") for e in log if e["kind"] in ("call", "heard_speech")]
    assert order.index("early-media") < order.index("Calls may be recorded.") < order.index("answered")
    assert order.index("answered") < order.index("Hello, how can we help?")


def test_leading_hangup_rejects_the_call(sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_hangup(reason="busy")
    customer.route("/answer", response.to_string())
    customer.route("/hangup", "")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    call_uuid = sim.call("14155550402", number)
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "3010" and hangup["HangupSource"] == "Answer XML"
    assert hangup["AnswerTime"] == "" and hangup["CallStatus"] == "completed"
    assert "answered" not in [e.get("state") for e in kinds(sim.log("14155550402"), "call")]
    assert sim.record(call_uuid)["hangup_cause_name"] == "Busy Line"


def test_default_number_app_and_endpoint_app(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/default", "<Response><Speak>Default app</Speak></Response>")
    customer.route("/endpoint", "<Response><Speak>Endpoint app</Speak></Response>")
    sim.application(customer.url("/default"), default_number_app=True)
    number = sim.rent_number()
    sim.call("14155550403", number)
    assert customer.wait_for("/default")[0].params["To"] == number

    app_id = sim.application(customer.url("/endpoint"))
    created = sim.http.post(f"/v1/Account/{sim.account.auth_id}/Endpoint/",
                            json={"username": "desk", "password": "secret123", "alias": "Desk", "app_id": app_id})
    username = created.json()["username"]
    sip_uri = sim.http.get(f"/v1/Account/{sim.account.auth_id}/Endpoint/{created.json()['endpoint_id']}/").json()["sip_uri"]
    response = sim.http.post("/_sim/calls", json={"from": f"endpoint:{username}", "to": "14155550404",
                                                  "sip_headers": {"Ticket": "T123", "Queue": "vip"}})
    assert response.status_code == 201, response.text
    got = customer.wait_for("/endpoint")[0].params
    assert got["From"] == sip_uri and got["Direction"] == "inbound"  # an endpoint calls as its SIP URI
    assert got["X-PH-Ticket"] == "T123" and got["X-PH-Queue"] == "vip"
    assert sim.log(f"endpoint:{username}")[0]["from"] == sip_uri
    for bad in ({"from": "14155550403", "sip_headers": {"Ticket": "1"}},  # a phone number sends no SIP headers
                {"from": f"endpoint:{username}", "sip_headers": {"Bad-Name": "1"}}):
        refused = sim.http.post("/_sim/calls", json={"to": "14155550404", **bad})
        assert refused.status_code == 400 and "sip_headers" in refused.json()["error"], refused.text


def test_unknown_destination_and_number_without_app(sim: Sim, customer: CustomerApp) -> None:
    sim.call("14155550405", "14155559876")
    for _ in range(200):
        ended = [e for e in kinds(sim.log("14155550405"), "call") if e.get("state") == "ended"]
        if ended:
            break
    assert ended and ended[0]["reason"] == "unallocated"

    number = sim.rent_number()
    call_uuid = sim.call("14155550406", number)
    record = sim.record(call_uuid)
    assert record["hangup_cause_code"] == 5020 and record["hangup_source"] == "Plivo"


def test_caller_hangs_up_mid_prompt(sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_speak("This is a very long message. " * 10)
    customer.route("/answer", response.to_string())
    customer.route("/hangup", "")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    sim.call("14155550407", number, [{"wait": 4}, {"hangup": True}])
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupSource"] == "Caller" and hangup["HangupCauseCode"] == "4000"
    assert 4 <= int(hangup["Duration"]) <= 5
    assert kinds(sim.log("14155550407"), "heard_speech")[0]["interrupted_after"] > 3.5


def test_redirect_loop_and_bad_documents(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/loop", "<Response><Redirect>/loop</Redirect></Response>")
    customer.route("/nested", "<Response><Speak>Hi<Wait/></Speak></Response>")
    customer.route("/attr", '<Response><Wait length="0"/></Response>')
    customer.route("/unknown-attr", '<Response><Speak colour="red">Hi</Speak></Response>')
    customer.route("/empty", "")
    customer.route("/hangup", "")
    expected = {"/loop": "8014", "/nested": "8011", "/attr": "8011", "/unknown-attr": "8011", "/empty": "8011",
                "/missing": "7011"}
    for path in expected:
        number = sim.rent_number(sim.application(customer.url(path), hangup_url=customer.url("/hangup") + f"?p={path}"))
        sim.call("14155550408", number)
    hangups = customer.wait_for("/hangup", len(expected))
    got = {h.params["p"]: h.params["HangupCauseCode"] for h in hangups}
    assert got == expected
    assert len(customer.requests_to("/loop")) > 5


def test_calling_your_own_number_loops_back_in(sdk, sim: Sim, customer: CustomerApp) -> None:
    """An API call to one of the account's numbers comes back in to that number's application:
    the outbound side's DTMF drives the inbound IVR, and it hears the IVR's prompts as speech."""
    ivr = plivoxml.ResponseElement()
    menu = plivoxml.GetDigitsElement(action="/ivr-choice", num_digits=1, timeout=10)
    menu.add_speak("Press 1 for opening hours.")
    ivr.add(menu)
    customer.route("/ivr", ivr.to_string())
    customer.route("/ivr-choice", '<Response><Speak>We are open from nine to five.</Speak><Wait length="5"/></Response>')
    tester = plivoxml.ResponseElement()
    tester.add_wait(length=1)
    tester.add_dtmf("1", async_=False)
    listen = plivoxml.GetInputElement(action="/heard", input_type="speech", execution_timeout=15,
                                      hints="open from nine to five")
    tester.add(listen)
    customer.route("/tester", tester.to_string())
    customer.route("/heard", "<Response><Hangup/></Response>")
    customer.route("/hangup", "")
    number = sim.rent_number(sim.application(customer.url("/ivr"), hangup_url=customer.url("/hangup")))
    uuid = sdk.calls.create(from_=CALLER, to_=number, answer_url=customer.url("/tester"),
                            hangup_url=customer.url("/hangup")).request_uuid
    assert customer.wait_for("/ivr-choice")[0].params["Digits"] == "1"
    assert customer.wait_for("/heard")[0].params["Speech"] == "open from nine to five"
    hangups = {h.params["Direction"]: h.params for h in customer.wait_for("/hangup", 2)}
    assert hangups["outbound"]["CallUUID"] == uuid and hangups["outbound"]["HangupSource"] == "Answer XML"
    assert hangups["inbound"]["HangupSource"] == "Caller" and hangups["inbound"]["To"] == number


def test_python_api_places_a_call(voice_server, sim: Sim, customer: CustomerApp) -> None:
    from switchboard.network.sim.phones import Press, Wait

    customer.route("/answer", '<Response><GetDigits action="/got" numDigits="2"><Speak>Code?</Speak></GetDigits></Response>')
    customer.route("/got", "<Response/>")
    number = sim.rent_number(sim.application(customer.url("/answer")))

    async def place(app, to: str) -> str:
        leg = await app.state.sim_network.place_call("14155550409", to, [Wait(wait=1), Press(press="42")])
        return leg.uuid

    call_uuid = voice_server.call(place, number)
    got = customer.wait_for("/got")[0].params
    assert got["Digits"] == "42" and got["CallUUID"] == call_uuid


def test_diversion_and_stir_shaken_reach_every_request(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/answer", "<Response><Speak>Hello.</Speak></Response>")
    customer.route("/hangup", "")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    for caller, extra in (("14155550411", {"forwarded_from": "+14155550999", "stir_attestation": "A"}),
                          ("14155550412", {"stir_attestation": "C"}), ("14155550413", {})):
        response = sim.http.post("/_sim/calls", json={"from": caller, "to": number, **extra})
        assert response.status_code == 201, response.text
    hangups = {hit.params["From"]: hit.params for hit in customer.wait_for("/hangup", 3)}
    answers = {hit.params["From"]: hit.params for hit in customer.requests_to("/answer")}
    for params in (answers["14155550411"], hangups["14155550411"]):
        assert params["ForwardedFrom"] == "14155550999"
        assert params["STIRAttestation"] == "A" and params["STIRVerification"] == "Verified"
    assert answers["14155550412"]["STIRAttestation"] == "C"
    assert answers["14155550412"]["STIRVerification"] == "Not Verified"
    unsigned = answers["14155550413"]
    assert unsigned["STIRAttestation"] == unsigned["STIRVerification"] == "Not Applicable"
    assert "ForwardedFrom" not in unsigned and "ForwardedFrom" not in answers["14155550412"]
    for bad in ({"stir_attestation": "D"}, {"forwarded_from": "not a number"}):
        response = sim.http.post("/_sim/calls", json={"from": "14155550414", "to": number, **bad})
        assert response.status_code == 400 and "error" in response.json(), response.text
