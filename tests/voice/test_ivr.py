"""A realistic IVR end to end: an inbound call hears a menu, presses a digit, is redirected, hears a
different prompt, and the hangup callback arrives with the right durations and cause."""

from plivo import plivoxml

from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp


def menu(_params: dict[str, str]) -> str:
    response = plivoxml.ResponseElement()
    digits = plivoxml.GetDigitsElement(action="/menu", method="POST", num_digits=1, timeout=5, retries=1)
    digits.add_speak("Welcome to Acme. Press 1 for sales, or 2 for support.")
    response.add(digits)
    response.add_speak("We did not receive any input. Goodbye.")
    return response.to_string()


def choice(params: dict[str, str]) -> str:
    response = plivoxml.ResponseElement()
    if params.get("Digits") == "1":
        response.add_speak("Connecting you to sales.")
        response.add_redirect("/sales")
    else:
        response.add_speak("Support is closed.")
    return response.to_string()


def sales(_params: dict[str, str]) -> str:
    response = plivoxml.ResponseElement()
    response.add_speak("All our sales people are busy. Please call again tomorrow. Goodbye.", voice="MAN")
    response.add_hangup()
    return response.to_string()


def test_inbound_ivr_menu_digit_redirect_and_hangup(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/answer", menu)
    customer.route("/menu", choice)
    customer.route("/sales", sales)
    customer.route("/hangup", "")
    app_id = sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup"))
    number = sim.rent_number(app_id)

    call_uuid = sim.call("14155550100", number, [{"wait": 2}, {"press": "1"}])
    hangup = customer.wait_for("/hangup")[0].params

    answer = customer.requests_to("/answer")[0].params
    assert answer["CallUUID"] == call_uuid and answer["Direction"] == "inbound"
    assert answer["CallStatus"] == "ringing" and answer["Event"] == "StartApp"
    assert answer["From"] == "14155550100" and answer["To"] == number
    menu_request = customer.requests_to("/menu")[0].params
    assert menu_request["Digits"] == "1" and menu_request["CallStatus"] == "in-progress"
    assert customer.requests_to("/sales")[0].params["CallUUID"] == call_uuid

    heard = [event["text"] for event in kinds(sim.log("14155550100"), "heard_speech")]
    assert heard == ["Welcome to Acme. Press 1 for sales, or 2 for support.", "Connecting you to sales.",
                     "All our sales people are busy. Please call again tomorrow. Goodbye."]
    first = kinds(sim.log("14155550100"), "heard_speech")[0]
    assert "interrupted_after" in first  # the key press cut the menu short

    assert hangup["Event"] == "Hangup" and hangup["CallUUID"] == call_uuid
    assert hangup["CallStatus"] == "completed"
    assert hangup["HangupCause"] == "NORMAL_CLEARING"
    assert hangup["HangupCauseCode"] == "4000" and hangup["HangupCauseName"] == "Normal Hangup"
    assert hangup["HangupSource"] == "Answer XML"
    # 2 s wait + ~0.2 s for the key, ~1.3 s "Connecting…", ~4.6 s for the closing prompt
    assert 7 <= int(hangup["Duration"]) <= 10
    assert hangup["BillDuration"] == hangup["Duration"]
    assert hangup["AnswerTime"] and hangup["StartTime"] and hangup["EndTime"]

    record = sim.record(call_uuid)
    assert record["call_direction"] == "inbound" and record["hangup_cause_code"] == 4000
    assert record["call_duration"] == int(hangup["Duration"]) and record["billed_duration"] == 60
