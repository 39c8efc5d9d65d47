"""Calls from a carrier (sipp) to a number of an incoming carrier run that number's application
over real SIP and RTP."""

from typing import Any

import pytest

from tests import go_sdk_types as go
from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape
from tests.network.sip.conftest import sipp, stack_stats, trunk_number
from tests.voice.customer_app import CustomerApp
from tests.voice.test_fields import RECORD_NULLS

IVR = """<Response>
  <GetDigits action="{action}" numDigits="2" timeout="10" retries="1">
    <Speak>Welcome to the test line. Please press two digits now.</Speak>
  </GetDigits>
  <Speak>We did not get your digits.</Speak>
</Response>"""
THANKS = "<Response><Speak>Thank you.</Speak><Hangup/></Response>"


@pytest.mark.parametrize("transport", ["u1", "t1"], ids=["udp", "tcp"])
def test_a_carrier_call_runs_the_numbers_ivr_with_rfc4733_digits(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp, transport: str
) -> None:
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    before = stack_stats(sip_server)
    customer.route("/answer", IVR.format(action=customer.url("/digits")))
    customer.route("/digits", THANKS)
    customer.route("/hangup", "")

    run = sipp(sip_server, "uac_ivr.xml", "-m", "1", "-t", transport, number=trunk.number)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    answer = customer.wait_for("/answer")[0].params
    assert answer["To"] == trunk.number and answer["From"] == "15550001111"
    assert answer["Direction"] == "inbound"
    digits = customer.wait_for("/digits")[0].params
    assert digits["Digits"] == "12"
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCause"] == "NORMAL_CLEARING" and hangup["CallStatus"] == "completed"
    after = stack_stats(sip_server)
    assert after["digits_in"] - before.get("digits_in", 0) == 2
    assert after["rtp_in"] - before.get("rtp_in", 0) > 50
    assert after["loud_in"] - before.get("loud_in", 0) > 5  # the caller's recorded speech arrived, decoded
    assert after["rtp_out"] - before.get("rtp_out", 0) > 100  # our side sent a paced stream all along
    assert answer["X-PH-Campaign"] == "spring"
    record: Any = sip_sdk.calls.get(answer["CallUUID"])
    assert record.call_direction == "inbound" and int(record.call_duration) >= 1
    assert_plivo_shape(sip_sdk.last_json(), "callGetResponse", go=go.CALL, nulls=RECORD_NULLS)
    assert record.source_ip == "127.0.0.1"  # where sipp's INVITE came from
