"""A transcription is charged once it is done, per started minute at the rate table's
``[recording] transcription`` rate, in the transaction that marks it done; its callback carries
the rate and the charge. One that fails (a recording too short) costs nothing."""

import os
from decimal import Decimal
from pathlib import Path

from plivo import plivoxml

from switchboard.pricing.table import DEFAULT_PATH, ENV_VAR
from tests.helpers import LiveServer, MainAccount, use_rate_table
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.test_voicemail import MESSAGE, thanks, voicemail
from tests.voice.test_charges import ledger


def test_a_transcription_is_charged_per_started_minute(sim: Sim, customer: CustomerApp, voice_server: LiveServer,
                                                       voice_account: MainAccount, tmp_path: Path) -> None:
    shipped = DEFAULT_PATH.read_text()
    assert '[recording]\ntranscription = "0.00000"' in shipped
    priced = tmp_path / "rates.toml"
    priced.write_text(shipped.replace('[recording]\ntranscription = "0.00000"', '[recording]\ntranscription = "0.05000"'))
    before = os.environ.get(ENV_VAR)
    use_rate_table(str(priced))
    try:
        customer.route("/answer", voicemail(customer))
        customer.route("/recorded", thanks)
        for path in ("/record-callback", "/transcribed", "/hangup"):
            customer.route(path, "")
        customer.route("/at-once", plivoxml.ResponseElement().add(plivoxml.RecordElement(
            action=customer.url("/recorded"), finish_on_key="#", play_beep=False, transcription_type="auto",
            transcription_url=customer.url("/transcribed"), transcription_method="GET")).to_string())
        number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
        at_once = sim.rent_number(sim.application(customer.url("/at-once"), hangup_url=customer.url("/hangup")))
        spoken = sim.call("14155557710", number, [{"wait": 4}, {"say": MESSAGE}, {"press": "#"}, {"wait": 5}])
        silent = sim.call("14155557711", at_once, [{"press": "#"}, {"wait": 3}])  # no beep, '#' at once: too short
        hits = {hit.params["call_uuid"]: hit.params for hit in customer.wait_for("/transcribed", count=2, timeout=60)}
    finally:
        use_rate_table(before)
    charged, free = hits[spoken], hits[silent]
    assert (charged["error"], charged["transcription_rate"], charged["transcription_charge"]) == ("", "0.05000", "0.05000")
    assert free["error"] and (free["transcription_rate"], free["transcription_charge"]) == ("0.00000", "0.00000")
    rows = [row for row in ledger(voice_server, voice_account.auth_id) if row.resource_type == "transcription"]
    assert [(row.resource_id, row.amount, row.quantity, row.idempotency_key) for row in rows] == [
        (charged["recording_id"], Decimal("-0.05000"), 1, f"transcription:{charged['recording_id']}")]
