"""The simulator's call control API on a real-time server: validation, auth, and the clock."""

import pytest

from tests.helpers import LiveServer, MainAccount


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
