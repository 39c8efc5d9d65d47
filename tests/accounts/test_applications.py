import plivo.exceptions
import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape

# Application fields absent from the Python SDK's fixture that Switchboard reports (see
# tests/accounts/test_fields.py for the field sweep).
EXTRA = ("application_type", "log_incoming_message", "log_incoming_messages")


def test_crud_through_sdk(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    created = client.applications.create(
        app_name="IVR",
        answer_url="https://example.com/answer",
        answer_method="GET",
        hangup_url="https://example.com/hangup",
        fallback_answer_url="https://example.com/fallback",
        message_url="https://example.com/sms",
        default_number_app=True,
        log_incoming_messages=False,
        public_uri=True,
    )
    assert client.last_status == 201
    assert_plivo_shape(client.last_json(), "applicationCreateResponse")
    app_id = created.app_id
    assert app_id.isdigit()

    client.applications.get(app_id)
    body = client.last_json()
    assert_plivo_shape(body, "applicationGetResponse", EXTRA)
    assert body == {
        "api_id": body["api_id"],
        "answer_method": "GET",
        "answer_url": "https://example.com/answer",
        "app_id": app_id,
        "app_name": "IVR",
        "application_type": "xml",
        "default_app": True,
        "default_endpoint_app": False,
        "enabled": True,
        "fallback_answer_url": "https://example.com/fallback",
        "fallback_method": "POST",
        "hangup_method": "POST",
        "hangup_url": "https://example.com/hangup",
        "log_incoming_message": False,
        "log_incoming_messages": False,
        "message_method": "POST",
        "message_url": "https://example.com/sms",
        "public_uri": True,
        "resource_uri": f"/v1/Account/{account.auth_id}/Application/{app_id}/",
        "sip_uri": f"sip:{app_id}@127.0.0.1",
        "sub_account": None,
    }

    client.applications.list()
    assert_plivo_shape(client.last_json(), "applicationListResponse", EXTRA)
    assert [o["app_id"] for o in client.last_json()["objects"]] == [app_id]

    client.applications.update(app_id, answer_url="https://example.com/v2", hangup_method="GET")
    assert client.last_status == 202
    assert_plivo_shape(client.last_json(), "applicationModifyResponse")
    updated = client.applications.get(app_id)
    assert (updated.answer_url, updated.hangup_method, updated.app_name) == ("https://example.com/v2", "GET", "IVR")
    # the SDK re-sends its defaults on update, so default_number_app went back to false
    assert updated.default_app is False

    client.applications.delete(app_id)
    assert client.last_status == 204
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.applications.get(app_id)


def test_list_filters_and_pages(client: RecordingClient, account: MainAccount) -> None:
    sub = client.subaccounts.create(name="s", enabled=True).auth_id
    mine = [client.applications.create(app_name=f"app{i}").app_id for i in range(3)]
    theirs = client.applications.create(app_name="app0", subaccount=sub).app_id

    assert {a.app_id for a in client.applications.list()} == {*mine, theirs}
    assert {a.app_id for a in client.applications.list(subaccount=sub)} == {theirs}
    assert {a.app_id for a in client.applications.list(app_name="app0")} == {mine[0], theirs}
    client.applications.list(app_name="app0", limit=1)
    assert client.last_json()["meta"]["next"] == f"/v1/Account/{account.auth_id}/Application/?app_name=app0&limit=1&offset=1"
    assert client.last_json()["meta"]["total_count"] == 2


def test_subaccount_applications_are_confined(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    one = client.subaccounts.create(name="one", enabled=True)
    two = client.subaccounts.create(name="two", enabled=True)
    as_one = RecordingClient(server.base_url, one.auth_id, one.auth_token)
    as_two = RecordingClient(server.base_url, two.auth_id, two.auth_token)
    main_app = client.applications.create(app_name="main").app_id
    one_app = as_one.applications.create(app_name="one's").app_id
    assert as_one.last_status == 201

    got = as_one.applications.get(one_app)
    assert as_one.last_json()["sub_account"] == f"/v1/Account/{account.auth_id}/Subaccount/{one.auth_id}/"
    assert as_one.last_json()["resource_uri"] == f"/v1/Account/{one.auth_id}/Application/{one_app}/"
    assert got.app_name == "one's"
    assert {a.app_id for a in as_one.applications.list()} == {one_app}
    assert list(as_two.applications.list()) == []
    for app_id in (one_app, main_app):
        with pytest.raises(plivo.exceptions.ResourceNotFoundError):
            as_two.applications.get(app_id)
        with pytest.raises(plivo.exceptions.ResourceNotFoundError):
            as_two.applications.update(app_id, answer_url="https://evil.example.com/")
        with pytest.raises(plivo.exceptions.ResourceNotFoundError):
            as_two.applications.delete(app_id)
    # the main account sees and manages everything
    assert client.applications.get(one_app).app_name == "one's"
    with server.http(account) as http:
        via_sub_path = http.get(f"/v1/Account/{one.auth_id}/Application/")
    assert via_sub_path.status_code == 200
    assert [o["app_id"] for o in via_sub_path.json()["objects"]] == [one_app]
    with server.http() as http:
        denied = http.post(
            f"/v1/Account/{one.auth_id}/Application/", json={"app_name": "x", "subaccount": two.auth_id}, auth=(one.auth_id, one.auth_token)
        )
    assert denied.status_code == 403


def test_one_default_app_per_owner(client: RecordingClient) -> None:
    sub = client.subaccounts.create(name="s", enabled=True).auth_id
    first = client.applications.create(app_name="a", default_number_app=True, default_endpoint_app=True).app_id
    sub_default = client.applications.create(app_name="s", subaccount=sub, default_number_app=True).app_id
    second = client.applications.create(app_name="b", default_number_app=True).app_id
    assert client.applications.get(first).default_app is False
    assert client.applications.get(first).default_endpoint_app is True
    assert client.applications.get(second).default_app is True
    assert client.applications.get(sub_default).default_app is True


def test_move_application_between_owners(client: RecordingClient, account: MainAccount) -> None:
    sub = client.subaccounts.create(name="s", enabled=True).auth_id
    app_id = client.applications.create(app_name="a").app_id
    client.applications.update(app_id, subaccount=sub)
    client.applications.get(app_id)
    assert client.last_json()["sub_account"] == f"/v1/Account/{account.auth_id}/Subaccount/{sub}/"


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({}, "app_name is required"),
        ({"app_name": ""}, "app_name"),
        ({"app_name": "a" * 256}, "app_name"),
        ({"app_name": "a", "answer_url": "not a url"}, "answer_url: Value error, must be an absolute http"),
        ({"app_name": "a", "answer_url": "ftp://example.com/x"}, "answer_url"),
        ({"app_name": "a", "hangup_url": "https://example.com/" + "x" * 2100}, "hangup_url"),
        ({"app_name": "a", "answer_method": "PUT"}, "answer_method: Value error, must be GET or POST"),
        ({"app_name": "a", "default_number_app": "sometimes"}, "default_number_app"),
        ({"app_name": "a", "subaccount": "SAAAAAAAAAAAAAAAAAAA"}, "is not a subaccount of"),
    ],
)
def test_create_rejects_bad_input(server: LiveServer, account: MainAccount, payload: dict, fragment: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Application/", json=payload)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]


def test_methods_are_case_insensitive(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        created = http.post(f"/v1/Account/{account.auth_id}/Application/", data={"app_name": "a", "answer_method": "get"})
        body = http.get(f"/v1/Account/{account.auth_id}/Application/{created.json()['app_id']}/").json()
    assert body["answer_method"] == "GET"


def test_delete_checks_new_endpoint_application(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    app_id = client.applications.create(app_name="a").app_id
    other = client.applications.create(app_name="b").app_id
    with server.http(account) as http:
        for target, fragment in (("12345", "not found"), (app_id, "another application")):
            response = http.request(
                "DELETE",
                f"/v1/Account/{account.auth_id}/Application/{app_id}/",
                json={"cascade": False, "new_endpoint_application": target},
            )
            assert response.status_code == 400
            assert fragment in response.json()["error"]
    client.applications.delete(app_id, cascade=False, new_endpoint_application=other)
    assert client.last_status == 204


def test_unknown_application(client: RecordingClient) -> None:
    for call in (
        lambda: client.applications.get("99999999999999999"),
        lambda: client.applications.update("99999999999999999", answer_url="https://example.com/"),
        lambda: client.applications.delete("99999999999999999"),
    ):
        with pytest.raises(plivo.exceptions.ResourceNotFoundError):
            call()
