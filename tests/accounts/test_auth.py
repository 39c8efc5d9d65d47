import base64

import plivo.exceptions
import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient


def _basic(value: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(value.encode()).decode()}


def test_missing_credentials(server: LiveServer, account: MainAccount) -> None:
    with server.http() as http:
        response = http.get(f"/v1/Account/{account.auth_id}/")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert set(response.json()) == {"api_id", "error"}


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"Authorization": "Bearer abc"}, "only HTTP Basic"),
        ({"Authorization": "Basic !!!not-base64"}, "malformed"),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon-here").decode()}, "expected auth_id:auth_token"),
        ({"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()}, "malformed"),
    ],
)
def test_malformed_credentials(server: LiveServer, account: MainAccount, headers: dict, fragment: str) -> None:
    with server.http() as http:
        response = http.get(f"/v1/Account/{account.auth_id}/", headers=headers)
    assert response.status_code == 401
    assert fragment in response.json()["error"]


def test_wrong_token_and_unknown_id(server: LiveServer, account: MainAccount) -> None:
    with server.http() as http:
        for credentials in (f"{account.auth_id}:wrong", f"{account.auth_id}:", "MAZZZZZZZZZZZZZZZZZZ:x", "short:x"):
            response = http.get(f"/v1/Account/{account.auth_id}/", headers=_basic(credentials))
            assert response.status_code == 401
            assert response.json()["error"] == "authentication failed: wrong auth_id or auth_token"


def test_sdk_raises_authentication_error(server: LiveServer, account: MainAccount) -> None:
    client = RecordingClient(server.base_url, account.auth_id, "not-the-token")
    with pytest.raises(plivo.exceptions.AuthenticationError):
        client.account.get()


def test_other_main_account_is_forbidden(server: LiveServer, account: MainAccount) -> None:
    other = server.new_main_account()
    with server.http(other) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/")
    assert response.status_code == 403
    assert f"may not act on account {account.auth_id}" in response.json()["error"]


def test_subaccount_scope(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    sub = client.subaccounts.create(name="s", enabled=True)
    sibling = client.subaccounts.create(name="t", enabled=True)
    as_sub = (sub.auth_id, sub.auth_token)
    with server.http() as http:
        own = http.get(f"/v1/Account/{sub.auth_id}/", auth=as_sub)
        assert own.status_code == 200
        assert own.json()["auth_id"] == sub.auth_id
        for path_id in (account.auth_id, sibling.auth_id):
            denied = http.get(f"/v1/Account/{path_id}/", auth=as_sub)
            assert denied.status_code == 403
        # the main account acts inside its own subaccount
        via_main = http.get(f"/v1/Account/{sub.auth_id}/", auth=(account.auth_id, account.auth_token))
        assert via_main.status_code == 200 and via_main.json()["auth_id"] == sub.auth_id
        # …but not inside another main account's subaccount
        other = server.new_main_account()
        foreign = http.get(f"/v1/Account/{sub.auth_id}/", auth=(other.auth_id, other.auth_token))
        assert foreign.status_code == 403


def test_disabled_subaccount_is_refused_until_enabled(server: LiveServer, client: RecordingClient) -> None:
    sub = client.subaccounts.create(name="s", enabled=False)
    as_sub = RecordingClient(server.base_url, sub.auth_id, sub.auth_token)
    with pytest.raises(plivo.exceptions.AuthenticationError, match="is disabled"):
        as_sub.account.get()
    client.subaccounts.update(sub.auth_id, name="s", enabled=True)
    assert as_sub.account.get().auth_id == sub.auth_id
    client.subaccounts.update(sub.auth_id, name="s", enabled=False)
    with pytest.raises(plivo.exceptions.AuthenticationError, match="is disabled"):
        as_sub.account.get()


def test_repeated_failures_are_throttled(backend: str, tmp_path) -> None:
    """A server with the default limit: the 11th failure inside a minute gets 429, and so does a
    correct request from the same address until the window has passed."""
    live = LiveServer(backend, data_dir=tmp_path, auth_failure_limit=10, auth_failure_window=60.0)
    live.start()
    try:
        account = live.new_main_account()
        with live.http() as http:
            statuses = [
                http.get(f"/v1/Account/{account.auth_id}/", headers=_basic(f"{account.auth_id}:bad")).status_code
                for _ in range(11)
            ]
            assert statuses == [401] * 10 + [429]
            blocked = http.get(f"/v1/Account/{account.auth_id}/", auth=(account.auth_id, account.auth_token))
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) >= 1
        assert "too many failed authentication attempts" in blocked.json()["error"]
    finally:
        live.stop()
