"""The simulator's call control API on a real-time server: validation, auth, and the clock."""

import time
import uuid

import pytest

from tests.helpers import LiveServer, MainAccount
from tests.voice.customer_app import CustomerApp


@pytest.mark.parametrize("body", [
    {"to": "14155550100"},
    {"from": "14155550100"},
    {"from": "hello", "to": "14155550100"},
    {"from": "14155550100", "to": "14155550101", "script": [{"dance": True}]},
    {"from": "14155550100", "to": "14155550101", "script": [{"press": "12x"}]},
    {"from": "14155550100", "to": "14155550101", "colour": "red"},
])
def test_bad_sim_calls_are_400(server: LiveServer, account: MainAccount, body: dict) -> None:
    with server.http(account) as http:
        response = http.post("/_sim/calls", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]


def test_sim_calls_need_main_account_credentials(server: LiveServer) -> None:
    with server.http() as http:
        assert http.post("/_sim/calls", json={"from": "14155550100", "to": "14155550101"}).status_code == 401


def test_call_to_nobody_is_refused_and_logged(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        placed = http.post("/_sim/calls", json={"from": "+1 415 555 0177".replace(" ", ""), "to": "14155559999"})
        assert placed.status_code == 201
        assert placed.json()["call_uuid"]
        for _ in range(100):
            log = http.get("/_sim/phones/14155550177").json()["log"]
            if any(event.get("state") == "ended" for event in log):
                break
        ended = [event for event in log if event.get("state") == "ended"]
        assert ended and ended[0]["reason"] == "unallocated" and ended[0]["by"] == "platform"


def test_real_clock_cannot_be_moved(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        assert http.get("/_sim/clock").json()["mode"] == "real"
        response = http.post("/_sim/clock/advance", json={"seconds": 10})
        assert response.status_code == 400 and "--clock virtual" in response.json()["error"]
        assert http.post("/_sim/clock/advance", json={"seconds": -1}).status_code == 400


def test_the_phone_on_a_call_hangs_up_on_request(server: LiveServer, account: MainAccount) -> None:
    app = CustomerApp()
    app.route("/answer", '<Response><Wait length="300"/></Response>')
    try:
        with server.http(account) as http:
            base = f"/v1/Account/{account.auth_id}"
            app_id = http.post(f"{base}/Application/", json={"app_name": "waits", "answer_url": app.url("/answer")}).json()["app_id"]
            number = http.get(f"{base}/PhoneNumber/", params={"country_iso": "US", "limit": 1}).json()["objects"][0]["number"]
            assert http.post(f"{base}/PhoneNumber/{number}/", json={"app_id": app_id}).status_code == 201
            call_uuid = http.post("/_sim/calls", json={"from": "14155550166", "to": number}).json()["call_uuid"]
            for _ in range(400):
                if http.get(f"{base}/Call/{call_uuid}/", params={"status": "live"}).status_code == 200:
                    break
                time.sleep(0.02)
            assert http.delete(f"/_sim/calls/{call_uuid}").status_code == 204
            for _ in range(400):
                record = http.get(f"{base}/Call/{call_uuid}/").json()
                if record.get("end_time"):
                    break
                time.sleep(0.02)
            assert record["end_time"] and record["hangup_source"] == "Caller"
            ended = [e for e in http.get("/_sim/phones/14155550166").json()["log"] if e.get("state") == "ended"]
            assert [(e["by"], e["reason"]) for e in ended] == [("phone", "hangup")]
            again = http.delete(f"/_sim/calls/{call_uuid}")  # ended already: hanging up twice is no error
            assert again.status_code == 204
            assert len([e for e in http.get("/_sim/phones/14155550166").json()["log"] if e.get("state") == "ended"]) == 1
            unknown = str(uuid.uuid4())
            missing = http.delete(f"/_sim/calls/{unknown}")
            assert missing.status_code == 404 and unknown in missing.json()["error"]
    finally:
        app.stop()
