"""Attributes the element tests leave out: GetInput's end timeouts, finishOnKey and log, numDigits,
GET as the method of actions, interim results and Redirect, Speak ``loop="0"``, DTMF ``async``,
Play of audio that cannot be fetched, and the elements Switchboard does not run yet
(MultiPartyCall), whose attribute names are still checked, as are those of Stream."""

from datetime import datetime

from plivo import plivoxml

from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.webhooks.helpers import log_entries

CALLER = "14155550899"


def call(sdk, customer: CustomerApp, to: str, xml: str, **extra) -> None:
    customer.route("/answer", xml)
    customer.route("/hangup", "")
    sdk.calls.create(from_=CALLER, to_=to, answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"),
                     **extra)


def test_getinput_end_timeouts_and_finish_key(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    for path, attributes in (("/two-seconds", {"digit_end_timeout": 2}), ("/auto", {}), ("/star", {"finish_on_key": "*"})):
        response.add(plivoxml.GetInputElement(action=path, input_type="dtmf", redirect=False, **attributes))
        customer.route(path, "")
    response.add(plivoxml.GetInputElement(action="/speech-joined", input_type="speech", speech_end_timeout=2,
                                          redirect=False))
    response.add(plivoxml.GetInputElement(action="/speech-auto", input_type="speech", redirect=False))
    customer.route("/speech-joined", "")
    customer.route("/speech-auto", "")
    sim.phone("14155550801", [
        {"wait": 1}, {"press": "12"}, {"wait": 2.8}, {"press": "3"},  # 2 s after "2": the first answer is "12"
        {"wait": 2.3}, {"press": "4"},                                 # within auto's 3 s: "34"
        {"wait": 4}, {"press": "56*7"},                                # "*" ends the third: "56"
        {"wait": 4}, {"say": "check my"}, {"wait": 1.5}, {"say": "balance please"},  # one answer: 1.5 s < 2 s
        {"wait": 3}, {"say": "pay my"}, {"wait": 1.5}, {"say": "bill"},  # auto: each say is an answer
    ])
    call(sdk, customer, "14155550801", response.to_string())
    customer.wait_for("/hangup")
    assert customer.wait_for("/two-seconds")[0].params["Digits"] == "12"
    assert customer.wait_for("/auto")[0].params["Digits"] == "34"
    assert customer.wait_for("/star")[0].params["Digits"] == "56"
    assert customer.wait_for("/speech-joined")[0].params["Speech"] == "check my balance please"
    assert customer.wait_for("/speech-auto")[0].params["Speech"] == "pay my"


def test_get_as_the_method_of_actions_interim_results_and_redirect(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    digits = plivoxml.GetDigitsElement(action="/digits", method="GET", num_digits=1, redirect=False)
    digits.add_speak("Press a key.")
    response.add(digits)
    response.add(plivoxml.GetInputElement(action="/input", method="GET", input_type="speech", redirect=False,
                                          interim_speech_results_callback="/interim",
                                          interim_speech_results_callback_method="GET"))
    response.add_redirect("/next", method="GET")
    for path in ("/digits", "/input", "/interim"):
        customer.route(path, "")
    customer.route("/next", "<Response><Speak>Goodbye.</Speak></Response>")
    sim.phone("14155550802", [{"wait": 1}, {"press": "7"}, {"wait": 1}, {"say": "hello there"}])
    call(sdk, customer, "14155550802", response.to_string())
    customer.wait_for("/hangup")
    for path, name, value in (("/digits", "Digits", "7"), ("/input", "Speech", "hello there"),
                              ("/interim", "UnstableSpeech", "hello")):
        hit = customer.wait_for(path)[0]
        assert hit.method == "GET" and hit.params[name] == value, (path, hit)
    redirected = customer.wait_for("/next")[0]
    assert redirected.method == "GET" and redirected.params["CallStatus"] == "in-progress"
    assert kinds(sim.log("14155550802"), "heard_speech")[-1]["text"] == "Goodbye."


def test_speak_loop_zero_repeats_until_the_call_ends(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_speak("Please hold.", loop=0, voice="MAN", language="en-GB")
    call(sdk, customer, "14155550803", response.to_string(), time_limit=20)
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "6000"  # time_limit, not 4010: the loop never ran out
    heard = kinds(sim.log("14155550803"), "heard_speech")
    assert len(heard) > 10 and {(e["text"], e["voice"], e["language"]) for e in heard} == {("Please hold.", "MAN", "en-GB")}


def test_elements_not_run_yet_are_skipped_but_validated(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add(plivoxml.MultiPartyCallElement("support", "Agent"))
    response.add_speak("After the skipped elements.")
    call(sdk, customer, "14155550804", response.to_string())
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "4010"
    assert kinds(sim.log("14155550804"), "heard_speech")[0]["text"] == "After the skipped elements."
    errors = sim.http.get(f"/v1/Account/{sim.account.auth_id}/WebhookLog/", params={"errors": "true"}).json()["objects"]
    skipped = [e["error"] for e in errors if "not yet supported" in e["error"]]
    assert any("<MultiPartyCall>" in e for e in skipped)

    customer.routes.clear()
    call(sdk, customer, "14155550805", '<Response><Stream colour="red">wss://example.com/a</Stream>'
                                      '<Speak>Never heard.</Speak></Response>')
    hangup = customer.wait_for("/hangup", 2)[-1].params
    assert hangup["HangupCauseCode"] == "8011" and hangup["HangupSource"] == "Error"
    assert kinds(sim.log("14155550805"), "heard_speech") == []
    errors = sim.http.get(f"/v1/Account/{sim.account.auth_id}/WebhookLog/", params={"errors": "true"}).json()["objects"]
    assert any("<Stream> has no attribute 'colour'" in e["error"] for e in errors)


def test_play_of_audio_that_cannot_be_fetched_is_skipped_and_logged(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_play(customer.url("/missing.mp3"))
    response.add_speak("After the missing audio.")
    call(sdk, customer, "14155550806", response.to_string())
    assert customer.wait_for("/hangup")[0].params["HangupCauseCode"] == "4010"
    log = sim.log("14155550806")
    assert kinds(log, "heard_audio") == []
    assert kinds(log, "heard_speech")[0]["text"] == "After the missing audio."
    errors = sim.http.get(f"/v1/Account/{sim.account.auth_id}/WebhookLog/", params={"errors": "true"}).json()["objects"]
    assert any(e["error"].startswith("<Play> skipped") and e["url"] == customer.url("/missing.mp3") for e in errors)


def test_getinput_log_false_keeps_the_speech_out_of_the_debug_log(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add(plivoxml.GetInputElement(action="/secret", input_type="speech", log=False, redirect=False))
    response.add(plivoxml.GetInputElement(action="/logged", input_type="speech", redirect=False))
    customer.route("/secret", "")
    customer.route("/logged", "")
    sim.phone("14155550807", [{"wait": 1}, {"say": "my date of birth"}, {"wait": 1}, {"say": "support"}])
    call(sdk, customer, "14155550807", response.to_string())
    customer.wait_for("/hangup")
    assert customer.wait_for("/secret")[0].params["Speech"] == "my date of birth"  # the app still hears it
    entries = {e["url"]: e for e in log_entries(sim.server, sim.account, event="call.action")}
    secret, logged = entries[customer.url("/secret")], entries[customer.url("/logged")]
    assert "Speech" not in secret["params"] and "Digits" not in secret["params"] and secret["params"]["CallUUID"]
    assert logged["params"]["Speech"] == ["support"]


def test_num_digits_stops_collecting_at_the_count(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add(plivoxml.GetDigitsElement(action="/digits", num_digits=3, redirect=False))
    response.add_wait(length=2)  # keys pressed after the count is reached are not input (GetInput starts afresh)
    response.add(plivoxml.GetInputElement(action="/input", input_type="dtmf", num_digits=2, redirect=False))
    customer.route("/digits", "")
    customer.route("/input", "")
    sim.phone("14155550808", [{"wait": 1}, {"press": "12345"}, {"wait": 3}, {"press": "987"}])
    call(sdk, customer, "14155550808", response.to_string())
    customer.wait_for("/hangup")
    assert customer.wait_for("/digits")[0].params["Digits"] == "123"  # the 4th and 5th keys are not taken
    assert customer.wait_for("/input")[0].params["Digits"] == "98"


def test_dtmf_async_lets_the_next_element_start_at_once(sdk, sim: Sim, customer: CustomerApp) -> None:
    def gap(to: str, async_: bool) -> float:
        response = plivoxml.ResponseElement()
        response.add_dtmf("1234", async_=async_)
        response.add_speak("Next.")
        customer.routes.clear()
        call(sdk, customer, to, response.to_string())
        customer.wait_for("/hangup", timeout=20)
        log = sim.log(to)
        sent, spoken = kinds(log, "received_digits")[0], kinds(log, "heard_speech")[0]
        return (datetime.fromisoformat(spoken["at"]) - datetime.fromisoformat(sent["at"])).total_seconds()

    assert gap("14155550809", True) < 0.1  # the default: Speak starts while the tones are still being sent
    customer.hits.clear()
    assert gap("14155550810", False) >= 0.7  # four tones of 0.1 s with 0.1 s gaps first
