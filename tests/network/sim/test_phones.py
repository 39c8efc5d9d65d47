import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient


def test_create_replace_get_delete_phone(server: LiveServer, account: MainAccount) -> None:
    script = [{"ring": 2}, {"early_media": 1}, {"say": "sales"}, {"say": "ventes", "language": "fr-CA"}, {"press": "12#"},
              {"wait": 5}, {"hangup": True}]
    with server.http(account) as http:
        created = http.post("/_sim/phones", json={"number": "+1 415 555 0199", "script": script})
        assert created.status_code == 201, created.text
        assert created.json()["number"] == "14155550199"
        got = http.get("/_sim/phones/+14155550199").json()
        assert got["script"] == [
            {"ring": 2.0},
            {"early_media": 1.0},
            {"say": "sales"},
            {"say": "ventes", "language": "fr-CA"},
            {"press": "12#"},
            {"wait": 5.0},
            {"hangup": True},
        ]
        assert got["sms"] == {"result": "delivered", "error_code": None, "receipt_delay": 0.0, "reply": None}
        assert got["log"] == [] and got["configured"] is True
        replaced = http.post(
            "/_sim/phones", json={"number": "14155550199", "script": [{"reject": "busy"}], "sms": {"result": "failed", "error_code": 200}}
        )
        assert replaced.json()["script"] == [{"reject": "busy"}]
        assert http.get("/_sim/phones/14155550199").json()["sms"]["result"] == "failed"
        assert http.delete("/_sim/phones/14155550199").status_code == 204
        assert http.get("/_sim/phones/14155550199").status_code == 404


def test_endpoint_phone(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        created = http.post("/_sim/phones", json={"endpoint": "alice123", "script": [{"machine": True}]})
        assert created.status_code == 201
        assert created.json()["endpoint"] == "alice123"
        assert http.get("/_sim/phones/endpoint:alice123").json()["script"][0]["machine"] is True


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "exactly one of number and endpoint"),
        ({"number": "14155550100", "endpoint": "a"}, "exactly one"),
        ({"number": "not a number"}, "not a phone number"),
        ({"number": "14155550100", "script": [{"ring": -1}]}, "script.0"),
        ({"number": "14155550100", "script": [{"press": "12x"}]}, "script.0"),
        ({"number": "14155550100", "script": [{"reject": "maybe"}]}, "script.0"),
        ({"number": "14155550100", "script": [{"dance": True}]}, "script.0"),
        ({"number": "14155550100", "sms": {"result": "lost"}}, "sms.result"),
        ({"number": "14155550100", "script": [{"early_media": -2}]}, "script.0"),
        ({"number": "14155550100", "script": [{"say": "bonjour", "language": "French!"}]}, "script.0"),
    ],
)
def test_bad_phone_specs(server: LiveServer, account: MainAccount, body: dict, fragment: str) -> None:
    with server.http(account) as http:
        response = http.post("/_sim/phones", json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]


def test_needs_main_account_credentials(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    sub = client.subaccounts.create(name="s", enabled=True)
    with server.http() as http:
        assert http.post("/_sim/phones", json={"number": "14155550100"}).status_code == 401
        denied = http.post("/_sim/phones", json={"number": "14155550100"}, auth=(sub.auth_id, sub.auth_token))
    assert denied.status_code == 403
