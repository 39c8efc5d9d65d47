"""What the platform hears on real SIP calls: GetInput speech recognised with pocketsphinx against
its hints, in-band DTMF on carriers that ask for it, the voicemail beep of ``<Wait beep>``, and
machine detection telling a long greeting from a "hello". The far end (sipp) plays RTP captures
of eSpeak NG speech and synthetic tones written by the test."""

import time
from pathlib import Path

import numpy as np
import pytest

from switchboard.media import tones, tts
from tests.helpers import LiveServer, MainAccount, RecordingClient, free_port
from tests.media.speech import recognisable
from tests.network.sip.conftest import finished, sipp, sipp_uas, trunk_number
from tests.network.sip.peers import scenario_copy, write_rtp_pcap
from tests.network.sip.test_outbound import outgoing_carrier
from tests.voice.customer_app import CustomerApp

pytestmark = pytest.mark.one_backend  # what the platform hears: recognition and detection read no database

GREETING = ("Hello, you have reached the voicemail of Alex Morgan. I cannot take your call right now. "
            "Please leave your name and number after the tone.")


def capture(directory: Path, name: str, pcm: bytes | np.ndarray) -> tuple[str, int]:
    """A capture of ``pcm`` with half a second of silence each side (a phone's line is never
    without packets, but sipp sends only while it plays): its path and length in ms."""
    data = pcm.tobytes() if isinstance(pcm, np.ndarray) else pcm
    quiet = tones.silence(0.5).tobytes()
    seconds = write_rtp_pcap(directory / f"{name}.pcap", quiet + data + quiet)
    return str(directory / f"{name}.pcap"), int(seconds * 1000)


def call_in(server: LiveServer, number: str, directory: Path, audio: tuple[str, int], after: tuple[str, int],
            wait_ms: int = 2500, tail: float = 0.2) -> None:
    """sipp calls ``number``, plays ``audio`` ``wait_ms`` after answer (once a short prompt is over)
    and ``after`` at its end, with ``tail`` seconds of silence (the platform ends a call whose
    stream stops for a few seconds)."""
    scenario = scenario_copy("uac_audio.xml", directory, audio=audio[0], after=after[0], wait=str(wait_ms),
                             gap=str(audio[1] + 200), tail=capture(directory, "tail", tones.silence(tail))[0])
    run = sipp(server, str(scenario), "-m", "1", timeout=60, number=number)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def expect_input(customer: CustomerApp, element: str, action: str) -> None:
    """The answer document: ``element`` (its action ``action``), then a redirect to ``/none``
    (no input); both end the call."""
    customer.route("/answer", f'<Response>{element}<Redirect>{customer.url("/none")}</Redirect></Response>')
    for path in (action, "/none"):
        customer.route(path, "<Response><Hangup/></Response>")
    customer.route("/hangup", "")


def no_input(customer: CustomerApp, action: str) -> bool:
    return bool(customer.wait_for("/none")) and customer.requests_to(action) == []


@pytest.mark.parametrize("said, voice", [("sales", "WOMAN"), ("support", "MAN"), ("support", "WOMAN")])
def test_getinput_recognises_the_hint_the_caller_says(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp,
    tmp_path: Path, said: str, voice: str,
) -> None:
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    expect_input(customer, f'<GetInput action="{customer.url("/input")}" inputType="speech" hints="sales,support" '
                           f'executionTimeout="15"><Speak>Sales or support?</Speak></GetInput>', "/input")
    speech = capture(tmp_path, "said", recognisable(said, voice))
    call_in(sip_server, trunk.number, tmp_path, speech, capture(tmp_path, "quiet", tones.silence(0.2)))
    heard = customer.wait_for("/input")[0].params
    assert heard["InputType"] == "speech" and heard["Speech"] == said and heard["Digits"] == ""
    assert 0 < float(heard["SpeechConfidenceScore"]) <= 1
    assert customer.requests_to("/none") == []


def test_getinput_speech_in_a_language_the_recogniser_lacks_is_not_understood(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp, tmp_path: Path,
) -> None:
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    expect_input(customer, f'<GetInput action="{customer.url("/input")}" inputType="speech" language="fr-FR" '
                           f'hints="ventes" executionTimeout="5"/>', "/input")
    call_in(sip_server, trunk.number, tmp_path, capture(tmp_path, "said", tts.synthesize("ventes", language="fr-FR")),
            capture(tmp_path, "quiet", tones.silence(0.2)))
    assert no_input(customer, "/input")


def test_getinput_speech_barges_in_on_a_long_prompt(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp, tmp_path: Path,
) -> None:
    """The caller answers early and then goes quiet; its stream stops, and the platform ends a
    call without packets after 4 s. The prompt is far longer than that, so the answer reaches the
    action URL only if speaking cut the prompt short."""
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    prompt = " ".join(["Thank you for calling the test line, your call matters to us."] * 4)
    expect_input(customer, f'<GetInput action="{customer.url("/input")}" inputType="speech" hints="sales,support">'
                           f'<Speak>{prompt} Say sales or support.</Speak></GetInput>', "/input")
    call_in(sip_server, trunk.number, tmp_path, capture(tmp_path, "said", recognisable("support")),
            capture(tmp_path, "quiet", tones.silence(0.2)), wait_ms=1500)
    assert customer.wait_for("/input")[0].params["Speech"] == "support"


def test_a_carrier_inband_dtmf_option_that_is_not_a_boolean_is_400(
    sip_server: LiveServer, sip_account: MainAccount, customer: CustomerApp,
) -> None:
    with sip_server.http(sip_account) as http:
        response = http.post(f"/v1/Account/{sip_account.auth_id}/OutgoingCarrier/",
                             json={"name": "t", "address": "127.0.0.1:5099", "inband_dtmf": "sometimes"})
        assert response.status_code == 400 and "inband_dtmf" in response.json()["error"], response.text
        assert http.get(f"/v1/Account/{sip_account.auth_id}/OutgoingCarrier/").json()["objects"] == []


def _set_inband(server: LiveServer, account: MainAccount, carrier_id: str, enabled: bool) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/IncomingCarrier/{carrier_id}/", json={"inband_dtmf": enabled})
        assert response.status_code == 202, response.text
        assert http.get(f"/v1/Account/{account.auth_id}/IncomingCarrier/{carrier_id}/").json()["inband_dtmf"] is enabled


@pytest.mark.parametrize("inband", [True, False], ids=["option-on", "option-off"])
def test_inband_dtmf_is_decoded_only_when_the_carrier_asks_for_it(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp,
    tmp_path: Path, inband: bool,
) -> None:
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    _set_inband(sip_server, sip_account, trunk.carrier_id, inband)
    expect_input(customer, f'<GetDigits action="{customer.url("/digits")}" numDigits="4" timeout="8">'
                           f'<Speak>Enter your code.</Speak></GetDigits>', "/digits")
    call_in(sip_server, trunk.number, tmp_path, capture(tmp_path, "tones", tones.dtmf("1590")),
            capture(tmp_path, "quiet", tones.silence(0.2)))
    if inband:
        assert customer.wait_for("/digits")[0].params["Digits"] == "1590"
        assert customer.requests_to("/none") == []
    else:
        assert no_input(customer, "/digits")


def test_an_outgoing_carriers_inband_dtmf_option_decodes_the_callees_tones(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp, tmp_path: Path,
) -> None:
    port = free_port()
    trunk = sipp_uas("uas_audio.xml", port, audio=capture(tmp_path, "tones", np.concatenate(
        [tones.silence(1.5), tones.dtmf("*27")]))[0])
    time.sleep(0.5)
    outgoing_carrier(sip_server, sip_account, address=f"127.0.0.1:{port}", inband_dtmf=True)
    expect_input(customer, f'<GetDigits action="{customer.url("/digits")}" numDigits="3" timeout="8"/>', "/digits")
    sip_sdk.calls.create(from_="14155550100", to_="442071234567", answer_url=customer.url("/answer"),
                         hangup_url=customer.url("/hangup"))
    assert customer.wait_for("/digits")[0].params["Digits"] == "*27"
    code, output = finished(trunk)
    assert code == 0, output


@pytest.mark.parametrize("beeps", [True, False], ids=["beep", "speech-only"])
def test_wait_for_a_beep_ends_when_the_beep_is_heard(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp,
    tmp_path: Path, beeps: bool,
) -> None:
    """The caller plays its greeting (with or without the beep) then presses 1 (RFC 4733). GetDigits
    forgets earlier keys, so it gets the 1 only if the Wait ended at the beep, before the key."""
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    expect_input(customer, f'<Speak>Hi.</Speak><Wait beep="true" length="{30 if beeps else 12}"/>'
                           f'<GetDigits action="{customer.url("/digits")}" numDigits="1" timeout="8"/>', "/digits")
    greeting = np.frombuffer(tts.synthesize("Please leave a message after the tone."), dtype=np.int16)
    audio = np.concatenate([greeting, tones.silence(0.3), tones.beep(0.5, 1000) if beeps else tones.silence(0.5),
                            tones.silence(1.5)])
    call_in(sip_server, trunk.number, tmp_path, capture(tmp_path, "greeting", audio),
            ("/usr/share/sip-tester/dtmf_2833_1.pcap", 0), wait_ms=500, tail=20.0)
    if beeps:
        assert customer.wait_for("/digits")[0].params["Digits"] == "1"
    else:
        assert no_input(customer, "/digits")


@pytest.mark.parametrize("greeting, machine", [(GREETING, "true"), ("Hello?", "false")], ids=["greeting", "hello"])
def test_machine_detection_tells_a_long_greeting_from_a_hello(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp,
    tmp_path: Path, greeting: str, machine: str,
) -> None:
    port = free_port()
    trunk = sipp_uas("uas_audio.xml", port, audio=capture(tmp_path, "greeting", tts.synthesize(greeting))[0])
    time.sleep(0.5)
    outgoing_carrier(sip_server, sip_account, address=f"127.0.0.1:{port}")
    customer.route("/answer", "<Response><Speak>Hi.</Speak><Hangup/></Response>")
    customer.route("/hangup", "")
    sip_sdk.calls.create(from_="14155550100", to_="442071234567", answer_url=customer.url("/answer"),
                         hangup_url=customer.url("/hangup"), machine_detection="true")
    assert customer.wait_for("/answer")[0].params["Machine"] == machine
    code, output = finished(trunk)
    assert code == 0, output
