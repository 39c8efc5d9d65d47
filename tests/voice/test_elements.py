"""Each Plivo XML element and attribute, run on the virtual clock against simulated phones, with
the customer app's XML built by ``plivo.plivoxml``."""

from plivo import plivoxml

from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.test_live import wav
from tests.webhooks.helpers import log_entries

CALLER = "14155550399"


def place(sdk, customer: CustomerApp, to: str, xml: str) -> str:
    customer.route("/answer", xml)
    customer.route("/hangup", "")
    return sdk.calls.create(from_=CALLER, to_=to, answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid


def test_getdigits_no_input_falls_through_without_action(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    digits = plivoxml.GetDigitsElement(action="/digits", timeout=3, retries=2, play_beep=True)
    digits.add_speak("Enter your PIN.")
    response.add(digits)
    response.add_speak("No input.")
    place(sdk, customer, "14155550301", response.to_string())
    hangup = customer.wait_for("/hangup")[0].params
    assert customer.requests_to("/digits") == []
    assert int(hangup["Duration"]) <= 12  # two 3 s timeouts: 11 s (the default 5 s would make it 15 s)
    heard = kinds(sim.log("14155550301"), "heard_speech", "heard_beep")
    assert [e.get("text", "beep") for e in heard] == ["Enter your PIN.", "beep", "Enter your PIN.", "beep", "No input."]


def test_getdigits_finish_key_num_digits_and_invalid_digits(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/nope.wav", wav(0.8))
    response = plivoxml.ResponseElement()
    digits = plivoxml.GetDigitsElement(action="/digits", num_digits=6, finish_on_key="*", digit_timeout=3,
                                       valid_digits="0123456789*", invalid_digits_sound="/nope.wav", retries=2)
    digits.add_speak("Enter your account number then star.")
    response.add(digits)
    customer.route("/digits", "<Response><Speak>Thanks</Speak></Response>")
    sim.phone("14155550302", [{"wait": 1}, {"press": "9#"}, {"wait": 4}, {"press": "4321*"}])
    place(sdk, customer, "14155550302", response.to_string())
    customer.wait_for("/hangup")
    assert customer.wait_for("/digits")[0].params["Digits"] == "4321"
    assert [e["url"] for e in kinds(sim.log("14155550302"), "heard_audio")] == [customer.url("/nope.wav")]


def test_getdigits_redirect_false_ignores_action_response(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    digits = plivoxml.GetDigitsElement(action="/digits", num_digits=1, redirect=False)
    digits.add_speak("Rate us from 1 to 5.")
    response.add(digits)
    response.add_speak("Thank you for your rating.")
    customer.route("/digits", "this is not XML at all")
    sim.phone("14155550303", [{"wait": 1}, {"press": "5"}])
    place(sdk, customer, "14155550303", response.to_string())
    hangup = customer.wait_for("/hangup")[0].params
    assert customer.wait_for("/digits")[0].params["Digits"] == "5"
    assert hangup["HangupCauseCode"] == "4010"
    assert kinds(sim.log("14155550303"), "heard_speech")[-1]["text"] == "Thank you for your rating."


def test_getinput_speech_with_hints_and_interim_results(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    get_input = plivoxml.GetInputElement(action="/input", input_type="speech", hints="sales,support,billing",
                                         interim_speech_results_callback="/interim", execution_timeout=10)
    get_input.add_speak("Which department?")
    response.add(get_input)
    customer.route("/input", "<Response><Speak>OK</Speak></Response>")
    customer.route("/interim", "")
    sim.phone("14155550304", [{"wait": 0.5}, {"say": "billing please"}])
    place(sdk, customer, "14155550304", response.to_string())
    got = customer.wait_for("/input")[0].params
    assert got["InputType"] == "speech" and got["Speech"] == "billing" and got["Digits"] == ""
    assert 0 < float(got["SpeechConfidenceScore"]) <= 1
    interim = customer.wait_for("/interim")[0].params  # "billing" heard while "please" is still being said
    assert interim["SequenceNumber"] == "1" and interim["UnstableSpeech"] == "billing" and interim["StableSpeech"] == ""
    assert 0 < float(interim["Stability"]) <= 1
    prompt = kinds(sim.log("14155550304"), "heard_speech")[0]
    assert "interrupted_after" in prompt  # speaking cut the prompt short


def test_getinput_dtmf_and_no_input(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    get_input = plivoxml.GetInputElement(action="/input", input_type="dtmf speech", num_digits=3, execution_timeout=5)
    get_input.add_speak("Say or key your code.")
    response.add(get_input)
    response.add_speak("Nothing heard.")
    customer.route("/input", "<Response/>")
    sim.phone("14155550305", [{"wait": 1}, {"press": "739"}])
    place(sdk, customer, "14155550305", response.to_string())
    got = customer.wait_for("/input")[0].params
    assert got["InputType"] == "dtmf" and got["Digits"] == "739"
    customer.routes.clear()
    place(sdk, customer, "14155550306", response.to_string())
    customer.wait_for("/hangup", 2)
    assert len(customer.requests_to("/input")) == 1
    assert kinds(sim.log("14155550306"), "heard_speech")[-1]["text"] == "Nothing heard."


def test_speak_loop_ssml_play_dtmf_and_wait(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/music.wav", wav(2.0))
    speak = plivoxml.SpeakElement("Hello", voice="Polly.Joanna", language="en-US", loop=2)
    speak.add_break(time="1s")
    speak.add_emphasis("world", level="strong")
    response = plivoxml.ResponseElement()
    response.add(speak)
    response.add_play("/music.wav", loop=2)
    response.add_dtmf("12w3", async_=False)
    response.add_wait(length=3)
    place(sdk, customer, "14155550307", response.to_string())
    hangup = customer.wait_for("/hangup")[0].params
    log = sim.log("14155550307")
    speech = kinds(log, "heard_speech")
    assert [e["text"] for e in speech] == ["Hello world", "Hello world"] and speech[0]["voice"] == "Polly.Joanna"
    assert speech[0]["seconds"] > 1.0  # the 1 s break counts
    assert [e["seconds"] for e in kinds(log, "heard_audio")] == [2.0, 2.0]
    assert kinds(log, "received_digits")[0]["digits"] == "12w3"
    assert kinds(log, "heard_silence")[0]["seconds"] == 3
    assert 9 <= int(hangup["Duration"]) <= 12


def test_wait_silence_and_beep(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_wait(length=30, beep=True)
    response.add_speak("Hi, this is a message for you.")
    sim.phone("14155550308", [{"machine": True}])
    place(sdk, customer, "14155550308", response.to_string())
    hangup = customer.wait_for("/hangup")[0].params
    log = sim.log("14155550308")
    beep = [e for e in log if e["kind"] == "beep"][0]
    spoken = kinds(log, "heard_speech")[0]
    assert spoken["at"] >= beep["at"]  # the message starts after the voicemail beep, not at 30 s
    assert int(hangup["Duration"]) < 15

    silence = plivoxml.ResponseElement()
    silence.add_wait(length=20, silence=True, min_silence=1500)
    silence.add_speak("Go ahead.")
    customer.routes.clear()
    sim.phone("14155550309", [{"say": "hello who is this"}])
    place(sdk, customer, "14155550309", silence.to_string())
    hangup = customer.wait_for("/hangup", 2)[-1].params
    assert int(hangup["Duration"]) < 10


def test_hangup_schedule_keeps_running_then_hangs_up(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_hangup(schedule=5)
    response.add_speak("You have five seconds.")
    response.add_wait(length=60)
    place(sdk, customer, "14155550310", response.to_string())
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "6000" and hangup["HangupSource"] == "Answer XML"
    assert 5 <= int(hangup["Duration"]) <= 6
    assert kinds(sim.log("14155550310"), "heard_speech")[0]["text"] == "You have five seconds."


def test_message_element_sends_a_text_and_reports_refusals(sdk, sim: Sim, customer: CustomerApp) -> None:
    number = sim.rent_number()
    response = plivoxml.ResponseElement()
    response.add_message("Your code is 1234", src=number, dst="14155550311", callback_url="/sms-status")
    response.add_message("Refused: no such sender", src="14155550000", dst="14155550311")
    response.add_speak("We sent you a text.")
    customer.route("/sms-status", "")
    place(sdk, customer, "14155550311", response.to_string())
    customer.wait_for("/hangup")
    assert kinds(sim.log("14155550311"), "heard_speech")[0]["text"] == "We sent you a text."
    sent = sdk.messages.list(message_direction="outbound")
    assert [(m.from_number, m.to_number) for m in sent] == [(number, "14155550311")]
    assert customer.wait_for("/sms-status")[0].params["MessageUUID"] == sent[0].message_uuid
    entries = sim.http.get(f"/v1/Account/{sim.account.auth_id}/WebhookLog/", params={"errors": "true"}).json()
    assert any(e["error"].startswith("<Message> not sent:") for e in entries["objects"])


def test_log_false_keeps_the_input_out_of_the_debug_log(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    secret = plivoxml.GetDigitsElement(action="/pin", num_digits=4, log=False, redirect=False)
    secret.add_speak("Enter your PIN.")
    response.add(secret)
    choice = plivoxml.GetDigitsElement(action="/choice", num_digits=1)
    choice.add_speak("Press a key.")
    response.add(choice)
    customer.route("/pin", "")
    customer.route("/choice", "<Response><Speak>Thanks</Speak></Response>")
    sim.phone("14155550305", [{"wait": 1}, {"press": "4321"}, {"wait": 2}, {"press": "7"}])
    place(sdk, customer, "14155550305", response.to_string())
    customer.wait_for("/hangup")
    assert customer.wait_for("/pin")[0].params["Digits"] == "4321"  # the app still gets the digits
    assert customer.wait_for("/choice")[0].params["Digits"] == "7"
    entries = {entry["url"]: entry for entry in log_entries(sim.server, sim.account, event="call.action")}
    pin, chosen = entries[customer.url("/pin")], entries[customer.url("/choice")]
    assert "Digits" not in pin["params"] and pin["params"]["CallUUID"]
    assert chosen["params"]["Digits"] == ["7"]
