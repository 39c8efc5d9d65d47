"""``Connector/`` and ``MessagingRoute/``: main account only, credentials write-only, bad input
refused with Plivo-shaped errors, a connector added through the API runs and can be routed to."""

from collections.abc import Iterator

import pytest

from tests.helpers import LiveServer, MainAccount
from tests.network.smpp.peer import SmscPeer


@pytest.fixture
def smsc() -> Iterator[SmscPeer]:
    peer = SmscPeer().start()
    try:
        yield peer
    finally:
        peer.kill()


def smpp_settings(port: int, **extra: object) -> dict[str, object]:
    return {"host": "127.0.0.1", "port": port, "system_id": "apiuser", "password": "pa55word"[:8], "reconnect_min": 0.2} | extra


def test_connector_lifecycle_with_redacted_credentials(server: LiveServer, account: MainAccount, smsc: SmscPeer) -> None:
    name = f"c{account.auth_id[-8:].lower()}"
    base = f"/v1/Account/{account.auth_id}"
    with server.http(account) as http:
        created = http.post(f"{base}/Connector/", json={"name": name, "kind": "smpp", "settings": smpp_settings(smsc.port)})
        assert created.status_code == 201, created.text
        assert created.json()["settings"]["password"] == "********" and "pa55word" not in created.text
        smsc.wait_for("bound")
        shown = http.get(f"{base}/Connector/{name}/").json()
        assert shown["status"]["state"] == "up" and shown["source"] == "api" and "api_id" in shown
        assert name in [c["name"] for c in http.get(f"{base}/Connector/").json()["objects"]]
        assert http.post(f"{base}/Connector/", json={"name": name, "kind": "smpp", "settings": smpp_settings(1)}).status_code == 409
        route = http.post(f"{base}/MessagingRoute/", json={"prefix": "49", "connector": name})
        assert route.status_code == 201 and route.json()["connector"] == name
        assert http.get(f"{base}/MessagingRoute/").json()["objects"] == [{"prefix": "49", "connector": name}]
        changed = http.post(f"{base}/Connector/{name}/", json={"settings": {"window": 20}})
        assert changed.status_code == 202 and changed.json()["settings"]["window"] == 20
        assert changed.json()["settings"]["password"] == "********"  # kept, still hidden
        assert http.delete(f"{base}/Connector/{name}/").status_code == 204
        assert http.get(f"{base}/Connector/{name}/").status_code == 404
        assert http.get(f"{base}/MessagingRoute/").json()["objects"] == []
    smsc.wait_for("unbound")


@pytest.mark.parametrize("body, fragment", [
    ({"name": "x", "kind": "smpp", "settings": {"host": "127.0.0.1"}}, "settings"),
    ({"name": "x", "kind": "smpp", "settings": {"host": "h", "port": 2775, "system_id": "s", "colour": "red"}}, "colour"),
    ({"name": "x", "kind": "carrier-pigeon", "settings": {}}, "kind"),
    ({"name": "bad name!", "kind": "smpp", "settings": {}}, "name"),
    ({"name": "sim", "kind": "smpp", "settings": {"host": "h", "port": 2775, "system_id": "s"}}, "exists"),
    ({"name": "x", "kind": "twilio", "settings": {"base_url": "ftp://x", "account_sid": "AC", "auth_token": "t"}}, "base_url"),
    ({"name": "x", "kind": "smpp", "settings": {"host": "h", "port": 2775, "system_id": "s"}, "failover": "nowhere"}, "failover"),
])
def test_bad_connector_input(server: LiveServer, account: MainAccount, body: dict, fragment: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Connector/", json=body)
    assert response.status_code in (400, 409) and fragment in response.json()["error"] and "api_id" in response.json()


def test_bad_route_input(server: LiveServer, account: MainAccount) -> None:
    base = f"/v1/Account/{account.auth_id}/MessagingRoute/"
    with server.http(account) as http:
        assert http.post(base, json={"prefix": "49", "connector": "no-such"}).status_code == 400
        assert http.post(base, json={"prefix": "+49", "connector": "sim"}).status_code == 400
        assert http.delete(f"{base}1234/").status_code == 404
        assert http.post(base, json={"prefix": "", "connector": "sim"}).status_code == 201
        assert http.delete(f"{base}all/").status_code == 204


def test_subaccounts_cannot_manage_connectors(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        sub = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "sub", "enabled": True}).json()
    with server.http(MainAccount(sub["auth_id"], sub["auth_token"])) as http:
        assert http.get(f"/v1/Account/{sub['auth_id']}/Connector/").status_code == 403
        assert http.post(f"/v1/Account/{sub['auth_id']}/MessagingRoute/", json={"prefix": "1", "connector": "sim"}).status_code == 403


def test_other_accounts_connectors_are_invisible(server: LiveServer, account: MainAccount) -> None:
    other = server.new_main_account()
    name = f"o{other.auth_id[-8:].lower()}"
    with server.http(other) as http:
        assert http.post(f"/v1/Account/{other.auth_id}/Connector/", json={
            "name": name, "kind": "smpp", "enabled": False,
            "settings": {"host": "127.0.0.1", "port": 9, "system_id": "s"}}).status_code == 201
    with server.http(account) as http:
        assert http.get(f"/v1/Account/{account.auth_id}/Connector/{name}/").status_code == 404
        assert http.post(f"/v1/Account/{account.auth_id}/MessagingRoute/", json={"prefix": "1", "connector": name}).status_code == 400
