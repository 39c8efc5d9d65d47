"""API calls to phone numbers leave through the account's outgoing carrier (sipp as the trunk):
prefix and suffix, the failover address when the main one fails, X-PH- headers; numbers of an
account without a carrier stay on the simulated network."""

import time

from tests.helpers import LiveServer, MainAccount, RecordingClient, free_port
from tests.network.sip.conftest import finished, sipp_uas
from tests.voice.customer_app import CustomerApp


def outgoing_carrier(server: LiveServer, account: MainAccount, **fields: object) -> str:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/OutgoingCarrier/", json={"name": "trunk", **fields})
        assert response.status_code == 201, response.text
        return response.json()["carrier_id"]


def test_a_call_fails_over_to_the_second_address_with_its_prefix(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp
) -> None:
    down_port, up_port = free_port(), free_port()
    down = sipp_uas("uas_503.xml", down_port)
    up = sipp_uas("uas_answer.xml", up_port, expect="00442071234567" + "77")
    time.sleep(0.5)
    outgoing_carrier(sip_server, sip_account, address=f"127.0.0.1:{down_port}", prefix="9",
                     failover_address=f"127.0.0.1:{up_port}", failover_prefix="00", suffix="77")
    customer.route("/answer", f'<Response><GetDigits action="{customer.url("/digits")}" numDigits="1" timeout="15">'
                              "<Speak>Press a key.</Speak></GetDigits></Response>")
    customer.route("/digits", "<Response><Speak>Bye.</Speak><Hangup/></Response>")
    customer.route("/hangup", "")
    sip_sdk.calls.create(from_="14155550100", to_="442071234567", answer_url=customer.url("/answer"),
                         hangup_url=customer.url("/hangup"), sip_headers="Campaign=spring")
    assert customer.wait_for("/digits")[0].params["Digits"] == "5"
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCause"] == "NORMAL_CLEARING" and hangup["Direction"] == "outbound"
    code, output = finished(down)
    assert code == 0, output
    code, output = finished(up)
    assert code == 0, output


def test_a_busy_trunk_ends_the_call_as_busy_without_failover(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp
) -> None:
    port = free_port()
    busy = sipp_uas("uas_486.xml", port)
    time.sleep(0.5)
    outgoing_carrier(sip_server, sip_account, address=f"127.0.0.1:{port}", failover_address="127.0.0.1:9",
                     retries=2, retry_seconds=1)
    customer.route("/hangup", "")
    sip_sdk.calls.create(from_="14155550100", to_="15005550006", answer_url=customer.url("/answer"),
                         hangup_url=customer.url("/hangup"))
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCause"] == "USER_BUSY" and hangup["CallStatus"] == "busy"
    code, output = finished(busy)
    assert code == 0, output
    assert customer.requests_to("/answer") == []


def test_without_an_outgoing_carrier_calls_stay_on_the_simulated_network(
    sip_server: LiveServer, sip_account: MainAccount, customer: CustomerApp
) -> None:
    with sip_server.http(sip_account) as http:
        assert http.post("/_sim/phones", json={"number": "14155550777", "script": [{"ring": 1}]}).status_code == 201
    sdk = RecordingClient(sip_server.base_url, sip_account.auth_id, sip_account.auth_token)
    customer.route("/answer", "<Response><Speak>Simulated.</Speak></Response>")
    sdk.calls.create(from_="14155550100", to_="14155550777", answer_url=customer.url("/answer"))
    assert customer.wait_for("/answer")[0].params["To"] == "14155550777"
