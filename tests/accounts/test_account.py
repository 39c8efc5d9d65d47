import plivo.exceptions
import pytest

from tests.helpers import MainAccount, RecordingClient, assert_plivo_shape


def test_get_account_through_sdk(client: RecordingClient, account: MainAccount) -> None:
    response = client.account.get()
    assert response.auth_id == account.auth_id
    assert client.last_status == 200
    body = client.last_json()
    assert body["resource_uri"] == f"/v1/Account/{account.auth_id}/"
    assert_plivo_shape(body, "accountGetResponse")


def test_update_account_through_sdk(client: RecordingClient) -> None:
    client.account.update(name="Acme Hotline", city="Nairobi")
    assert client.last_status == 202
    assert_plivo_shape(client.last_json(), "accountUpdateResponse")
    after = client.account.get()
    assert (after.name, after.city, after.address) == ("Acme Hotline", "Nairobi", "")


def test_update_account_state_and_timezone_over_http(server, account: MainAccount) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/", data={"state": "Lagos", "timezone": "Africa/Lagos"})
        assert response.status_code == 202, response.text
        body = http.get(f"/v1/Account/{account.auth_id}/").json()
    assert (body["state"], body["timezone"]) == ("Lagos", "Africa/Lagos")


def test_update_account_needs_something_to_change(client: RecordingClient, server, account: MainAccount) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/", json={"name": None, "city": None, "address": None})
    assert response.status_code == 400
    assert "at least one of name" in response.json()["error"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"city": {"nested": True}}, "city"),
    ],
)
def test_update_account_rejects_bad_values(server, account: MainAccount, payload: dict, message: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/", json=payload)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"api_id", "error"}
    assert body["error"].startswith(message)


def test_sdk_raises_validation_error_for_empty_name(client: RecordingClient) -> None:
    with pytest.raises(plivo.exceptions.ValidationError):
        client.account.update(name="   ")
    assert client.last_status == 400
