"""GetInput's recogniser settings on the simulated network: ``language`` (speech in another
language is not understood), ``speechModel`` (the confidence reported), ``profanityFilter``
(masked words), and interim results posted while the caller is still speaking."""

from plivo import plivoxml

from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp

CALLER = "14155550799"


def get_input(action: str, **attributes) -> plivoxml.GetInputElement:
    return plivoxml.GetInputElement(action=action, input_type="speech", redirect=False, execution_timeout=5,
                                    **attributes)


def test_language_model_profanity_filter_and_interim_results(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add(get_input("/french", language="fr-FR"))
    response.add(get_input("/not-understood", language="fr-FR"))
    response.add(get_input("/phone-model", speech_model="phone_call"))
    response.add(get_input("/filtered", profanity_filter=True, interim_speech_results_callback="/interim"))
    response.add(get_input("/unfiltered"))
    response.add_speak("Goodbye.")
    customer.route("/answer", response.to_string())
    customer.route("/hangup", "")
    for path in ("/french", "/not-understood", "/phone-model", "/filtered", "/unfiltered", "/interim"):
        customer.route(path, "")
    sim.phone("14155550701", [
        {"wait": 1}, {"say": "bonjour", "language": "fr-FR"},        # 1st GetInput, from 0 s
        {"wait": 1}, {"say": "hello there", "language": "en-US"},   # 2nd, from ~1.4 s: English, not understood
        {"wait": 4.6}, {"say": "check my balance"},                  # 3rd, from ~6.4 s (the 2nd timed out)
        {"wait": 1}, {"say": "this is shit service"},                # 4th
        {"wait": 1}, {"say": "this is shit service"},                # 5th
    ])
    sdk.calls.create(from_=CALLER, to_="14155550701", answer_url=customer.url("/answer"),
                     hangup_url=customer.url("/hangup"))
    assert customer.wait_for("/hangup")[0].params["HangupCauseCode"] == "4010"

    french = customer.wait_for("/french")[0].params
    assert french["Speech"] == "bonjour" and french["SpeechConfidenceScore"] == "0.80"
    assert customer.requests_to("/not-understood") == []  # no input: no request, next element
    assert customer.wait_for("/phone-model")[0].params["SpeechConfidenceScore"] == "0.84"
    assert customer.wait_for("/filtered")[0].params["Speech"] == "this is s*** service"
    assert customer.wait_for("/unfiltered")[0].params["Speech"] == "this is shit service"

    interim = sorted((hit.params for hit in customer.wait_for("/interim", 3)), key=lambda p: int(p["SequenceNumber"]))
    assert [(p["StableSpeech"], p["UnstableSpeech"]) for p in interim] == [("", "this"), ("this", "is"),
                                                                           ("this is", "s***")]
    assert all(p["CallUUID"] == french["CallUUID"] and 0 < float(p["Stability"]) <= 1 for p in interim)
    assert len(customer.requests_to("/interim")) == 3  # only the GetInput that asked for them
