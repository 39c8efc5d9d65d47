import re

import plivo.exceptions
import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape


def test_create_get_list_update_delete_through_sdk(client: RecordingClient, account: MainAccount) -> None:
    created = client.subaccounts.create(name="Field office", enabled=True)
    assert client.last_status == 201
    assert_plivo_shape(client.last_json(), "subaccountCreateResponse")
    sub_id = created.auth_id
    assert re.fullmatch(r"SA[A-Z0-9]{18}", sub_id)
    assert len(created.auth_token) == 40

    fetched = client.subaccounts.get(sub_id)
    assert_plivo_shape(client.last_json(), "subaccountGetResponse")
    assert (fetched.name, fetched.enabled, fetched.auth_token) == ("Field office", True, created.auth_token)
    assert client.last_json()["account"] == f"/v1/Account/{account.auth_id}/"
    assert client.last_json()["resource_uri"] == f"/v1/Account/{account.auth_id}/Subaccount/{sub_id}/"
    assert client.last_json()["modified"] is None

    listed = client.subaccounts.list()
    assert_plivo_shape(client.last_json(), "subaccountListResponse")
    assert [s.auth_id for s in listed] == [sub_id]

    client.subaccounts.update(sub_id, name="Field office 2", enabled=True)
    assert client.last_status == 202
    assert_plivo_shape(client.last_json(), "subaccountUpdateResponse")
    updated = client.subaccounts.get(sub_id)
    assert (updated.name, updated.enabled) == ("Field office 2", True)
    assert client.last_json()["modified"] is not None

    client.subaccounts.delete(sub_id)
    assert client.last_status == 204
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.subaccounts.get(sub_id)


def test_enabled_defaults_to_false(client: RecordingClient) -> None:
    sub = client.subaccounts.create(name="Quiet")
    assert client.subaccounts.get(sub.auth_id).enabled is False


def test_list_pages_with_offset_style_links(client: RecordingClient, account: MainAccount) -> None:
    ids = {client.subaccounts.create(name=f"sub {i}").auth_id for i in range(5)}
    first = client.subaccounts.list(limit=2, offset=0)
    meta = client.last_json()["meta"]
    assert meta == {
        "limit": 2,
        "next": f"/v1/Account/{account.auth_id}/Subaccount/?limit=2&offset=2",
        "offset": 0,
        "previous": None,
        "total_count": 5,
    }
    client.subaccounts.list(limit=2, offset=4)
    meta = client.last_json()["meta"]
    assert meta["next"] is None
    assert meta["previous"] == f"/v1/Account/{account.auth_id}/Subaccount/?limit=2&offset=2"
    seen = {s.auth_id for s in first}
    for offset in (2, 4):
        seen |= {s.auth_id for s in client.subaccounts.list(limit=2, offset=offset)}
    assert seen == ids


def test_sdk_iteration_follows_next(client: RecordingClient) -> None:
    ids = {client.subaccounts.create(name=f"sub {i}").auth_id for i in range(23)}
    iterated = [s.auth_id for s in client.subaccounts]
    assert len(iterated) == 23
    assert set(iterated) == ids
    assert [r.request.path_url.split("?")[1] for r in client.responses[-2:]] == ["limit=20&offset=0", "limit=20&offset=20"]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({}, "name is required"),
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 256}, "at most 255"),
        ({"name": "ok", "enabled": "maybe"}, "enabled"),
        ({"name": ["a", "b"]}, "name"),
    ],
)
def test_create_rejects_bad_input(server: LiveServer, account: MainAccount, payload: dict, fragment: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json=payload)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_loose_types_from_forms_and_json(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        for enabled, expected in (("true", True), ("True", True), ("1", True), (1, True), ("false", False), (0, False)):
            body = {"name": "loose", "enabled": enabled}
            created = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json=body).json()
            got = http.get(f"/v1/Account/{account.auth_id}/Subaccount/{created['auth_id']}/").json()
            assert got["enabled"] is expected, enabled
        form = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", data={"name": 12345, "enabled": "true"})
        assert form.status_code == 201
        got = http.get(f"/v1/Account/{account.auth_id}/Subaccount/{form.json()['auth_id']}/").json()
        assert (got["name"], got["enabled"]) == ("12345", True)


def test_unknown_and_foreign_subaccounts_are_not_found(server: LiveServer, client: RecordingClient) -> None:
    other = RecordingClient(server.base_url, *_credentials(server.new_main_account()))
    foreign = other.subaccounts.create(name="not yours").auth_id
    for sub_id in ("SAAAAAAAAAAAAAAAAAAA", foreign):
        with pytest.raises(plivo.exceptions.ResourceNotFoundError):
            client.subaccounts.get(sub_id)
        with pytest.raises(plivo.exceptions.ResourceNotFoundError):
            client.subaccounts.update(sub_id, name="x")
        with pytest.raises(plivo.exceptions.ResourceNotFoundError):
            client.subaccounts.delete(sub_id)
    assert other.subaccounts.get(foreign).name == "not yours"


def test_update_needs_name_or_enabled(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    sub = client.subaccounts.create(name="s").auth_id
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Subaccount/{sub}/", json={"unknown": 1})
    assert response.status_code == 400
    assert "name or enabled" in response.json()["error"]


def test_subaccount_cannot_manage_subaccounts(server: LiveServer, client: RecordingClient) -> None:
    sub = client.subaccounts.create(name="s", enabled=True)
    as_sub = RecordingClient(server.base_url, sub.auth_id, sub.auth_token)
    with pytest.raises(plivo.exceptions.ForbiddenError):
        as_sub.subaccounts.create(name="grandchild")
    # plivo 4.63 cannot raise for a 401/403/404 on a list call (its ListResponseObject has no
    # `objects` when the body is an error), exactly as against Plivo; check the wire instead.
    with server.http() as http:
        response = http.get(f"/v1/Account/{sub.auth_id}/Subaccount/", auth=(sub.auth_id, sub.auth_token))
    assert response.status_code == 403
    assert "only a main account manages subaccounts" in response.json()["error"]


def test_delete_without_cascade_moves_applications_to_main(client: RecordingClient, account: MainAccount) -> None:
    sub = client.subaccounts.create(name="s", enabled=True).auth_id
    app_id = client.applications.create(app_name="kept", subaccount=sub, default_number_app=True).app_id
    client.subaccounts.delete(sub, cascade=False)
    app = client.applications.get(app_id)
    assert app.sub_account is None
    assert app.default_app is False
    assert client.last_json()["resource_uri"] == f"/v1/Account/{account.auth_id}/Application/{app_id}/"


def test_delete_with_cascade_deletes_applications(client: RecordingClient) -> None:
    sub = client.subaccounts.create(name="s", enabled=True).auth_id
    app_id = client.applications.create(app_name="gone", subaccount=sub).app_id
    client.subaccounts.delete(sub, cascade=True)
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.applications.get(app_id)


def test_deleted_subaccount_token_is_refused(server: LiveServer, client: RecordingClient) -> None:
    sub = client.subaccounts.create(name="s", enabled=True)
    as_sub = RecordingClient(server.base_url, sub.auth_id, sub.auth_token)
    assert as_sub.account.get().auth_id == sub.auth_id
    client.subaccounts.delete(sub.auth_id)
    with pytest.raises(plivo.exceptions.AuthenticationError):
        as_sub.account.get()


def _credentials(account: MainAccount) -> tuple[str, str]:
    return account.auth_id, account.auth_token
