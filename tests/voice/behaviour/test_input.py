"""GetDigits and GetInput on both networks: keys pressed on the phone (RFC 4733 on SIP) and speech
said into it reach the action URL with the same parameters."""

import pytest

from tests.voice.behaviour.phones import Network
from tests.voice.behaviour.test_elements import outbound

THANKS = "<Response><Speak>Thank you.</Speak></Response>"


def getdigits(net: Network, **attributes: str) -> str:
    attrs = " ".join(f'{name}="{value}"' for name, value in {"action": net.customer.url("/digits"), **attributes}.items())
    return (f"<Response><GetDigits {attrs}><Speak>Please press a key.</Speak></GetDigits>"
            "<Speak>We did not get your digits.</Speak></Response>")


def test_getdigits_num_digits_reach_the_action(net: Network) -> None:
    _, answer, _ = outbound(net, getdigits(net, numDigits="2", timeout="10"), [{"wait": 2}, {"press": "42"}], digits=THANKS)
    digits = net.customer.wait_for("/digits")[0].params
    assert digits["Digits"] == "42" and digits["CallUUID"] == answer["CallUUID"]


def test_getdigits_finish_on_key(net: Network) -> None:
    outbound(net, getdigits(net, numDigits="9", finishOnKey="#", timeout="10"), [{"wait": 2}, {"press": "123#"}],
             digits=THANKS)
    assert net.customer.wait_for("/digits")[0].params["Digits"] == "123"


def test_getdigits_without_input_falls_through(net: Network) -> None:
    phone, _, _ = outbound(net, getdigits(net, numDigits="1", timeout="2"))
    assert net.customer.requests_to("/digits") == []
    prompts = ("Please press a key", "We did not get your digits", "Thank you")
    assert phone.heard(*prompts).said(*prompts) == list(prompts[:2]), phone.heard(*prompts).words


def test_getinput_digits(net: Network) -> None:
    xml = (f'<Response><GetInput action="{net.customer.url("/input")}" inputType="dtmf" numDigits="3" '
           'executionTimeout="10"><Speak>Your code.</Speak></GetInput></Response>')
    outbound(net, xml, [{"wait": 2}, {"press": "907"}], input=THANKS)
    got = net.customer.wait_for("/input")[0].params
    assert got["InputType"] == "dtmf" and got["Digits"] == "907" and got["Speech"] == ""


def test_getinput_speech(net: Network) -> None:
    net.customer.route("/input", THANKS)
    net.app(f'<Response><GetInput action="{net.customer.url("/input")}" inputType="speech" hints="sales,support" '
            'executionTimeout="5"><Speak>Say sales or support.</Speak></GetInput></Response>')
    phone = net.phone([{"wait": 2}, {"say": "sales"}, {"wait": 5}], hum=False)
    net.api_call(phone)
    net.customer.wait_for("/hangup", timeout=30)
    assert len(net.customer.requests_to("/input")) == 1, "the speech was not recognised"
    got = net.customer.requests_to("/input")[0].params
    assert got["InputType"] == "speech" and got["Speech"] == "sales"
    # the simulated recogniser is sure of a scripted phrase; pocketsphinx's posterior for a grammar
    # match of synthetic speech over G.711 is low (0.1-0.3 here), but it is a probability all the same
    floor = 0.5 if net.name == "sim" else 0.0
    assert floor < float(got["SpeechConfidenceScore"]) <= 1.0


def test_machine_detection_tells_a_machine_from_a_person(net: Network) -> None:
    net.app("<Response><Speak>Hello.</Speak></Response>")
    machine = net.phone([{"machine": True}, {"wait": 5}], hum=False)
    person = net.phone([{"say": "Hello?"}, {"wait": 8}], hum=False)
    for phone in (machine, person):
        net.api_call(phone, machine_detection="true")
    answers = {hit.params["To"]: hit.params for hit in net.customer.wait_for("/answer", 2, timeout=40)}
    assert answers[machine.uri]["Machine"] == "true"
    assert answers[person.uri]["Machine"] == "false"
