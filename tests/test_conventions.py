"""Plivo's REST conventions, checked over plain HTTP on a real server."""

import pytest

from tests.helpers import LiveServer, MainAccount


def test_trailing_slash_is_optional_and_never_redirects(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        get = http.get(f"/v1/Account/{account.auth_id}")
        post = http.post(f"/v1/Account/{account.auth_id}/Subaccount", json={"name": "no slash"})
    assert get.status_code == 200 and get.json()["auth_id"] == account.auth_id
    assert post.status_code == 201


@pytest.mark.parametrize(
    "spelling",
    ["/v1/Account/{id}//", "/v1//Account/{id}/", "/v1/Account/{id}///Subaccount//", "/v1/Account/{id}/Number//"],
)
def test_repeated_slashes_route_as_one(server: LiveServer, account: MainAccount, spelling: str) -> None:
    """The Node SDK's ``accounts.get()``/``update()`` ask for ``/v1/Account/{auth_id}//``; Plivo
    serves every such spelling as the canonical path, without a redirect."""
    path = spelling.format(id=account.auth_id)
    with server.http(account) as http:
        get = http.get(path)
        canonical = http.get(path.replace("//", "/").replace("//", "/").rstrip("/") + "/")
    assert get.status_code == 200, get.text
    assert get.json().keys() == canonical.json().keys()


def test_account_update_through_a_doubled_slash(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        post = http.post(f"/v1/Account/{account.auth_id}//", json={"name": "Renamed via //"})
        get = http.get(f"/v1/Account/{account.auth_id}/")
    assert post.status_code == 202, post.text
    assert get.json()["name"] == "Renamed via //"


def test_every_response_and_error_has_an_api_id(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        responses = [
            http.get(f"/v1/Account/{account.auth_id}/"),
            http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={}),
            http.get(f"/v1/Account/{account.auth_id}/NoSuchThing/"),
            http.put(f"/v1/Account/{account.auth_id}/"),
        ]
    for response in responses:
        assert isinstance(response.json()["api_id"], str) and len(response.json()["api_id"]) == 36
    assert [r.status_code for r in responses] == [200, 400, 404, 405]
    assert set(responses[2].json()) == {"api_id", "error"}
    assert "method PUT is not allowed" in responses[3].json()["error"]


@pytest.mark.parametrize(
    ("content", "headers", "fragment"),
    [
        (b'{"name": "x",', {"Content-Type": "application/json"}, "malformed JSON body"),
        (b"[1, 2]", {"Content-Type": "application/json"}, "must be a JSON object"),
        (b'"just a string"', {"Content-Type": "application/json"}, "must be a JSON object"),
        (b"\xff\xfe\x00garbage", {"Content-Type": "application/json"}, "malformed JSON body"),
        (b'{"name": "x"}' + b" " * (1024 * 1024 + 1), {"Content-Type": "application/json"}, "larger than"),
        (b"--x\r\nbroken", {"Content-Type": "multipart/form-data; boundary=x"}, ""),
    ],
)
def test_malformed_bodies_are_400(server: LiveServer, account: MainAccount, content: bytes, headers: dict, fragment: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]


def test_form_multipart_and_query_parameters(server: LiveServer, account: MainAccount) -> None:
    path = f"/v1/Account/{account.auth_id}/Subaccount/"
    with server.http(account) as http:
        form = http.post(path, data={"name": "form", "enabled": "true"})
        multipart = http.post(path, data={"name": "multipart"}, files={"ignored": ("a.txt", b"file content")})
        query = http.post(path + "?name=query&enabled=1")
        listed = {o["name"]: o["enabled"] for o in http.get(path).json()["objects"]}
    assert (form.status_code, multipart.status_code, query.status_code) == (201, 201, 201)
    assert listed == {"form": True, "multipart": False, "query": True}


def test_unknown_keys_and_sdk_echoes_are_ignored(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        created = http.post(
            f"/v1/Account/{account.auth_id}/Subaccount/",
            json={"name": "x", "auth_id": "echoed path id", "whatever": {"nested": [1, 2]}},
        )
        sub = created.json()["auth_id"]
        deleted = http.request(
            "DELETE", f"/v1/Account/{account.auth_id}/Subaccount/{sub}/", json={"auth_id": sub, "cascade": "false"}
        )
    assert (created.status_code, deleted.status_code) == (201, 204)


def test_get_with_json_content_type_and_no_body(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/", headers={"Content-Type": "application/json"})
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["limit=0", "limit=21", "limit=abc", "offset=-1", "offset=1.5"])
def test_bad_pagination_is_400(server: LiveServer, account: MainAccount, query: str) -> None:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/Subaccount/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["error"]


def test_null_means_not_given(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        created = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "n", "enabled": None})
        got = http.get(f"/v1/Account/{account.auth_id}/Subaccount/{created.json()['auth_id']}/").json()
    assert got["enabled"] is False


def test_a_value_the_database_refuses_is_a_400_not_a_500(backend: str, tmp_path) -> None:
    """The net under parameter validation: the SDK repeats voice requests that get a 5xx."""
    import sqlalchemy.exc

    live = LiveServer(backend, data_dir=tmp_path)

    async def refused() -> None:
        raise sqlalchemy.exc.DataError("SELECT 1", {}, OverflowError("value out of int32 range"))

    live.app.add_api_route("/_test/refused", refused)
    live.start()
    try:
        with live.http() as http:
            response = http.get("/_test/refused")
    finally:
        live.stop()
    assert response.status_code == 400
    assert response.json()["error"] == "a parameter value is out of the range the server can store"


@pytest.mark.parametrize(
    "path",
    [
        "Application/?app_name=a%00b",
        "Application/a%00b/",
        "Subaccount/?limit=2&x=%00",
    ],
)
def test_nul_in_the_url_is_a_400(server: LiveServer, account: MainAccount, path: str) -> None:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/{path}")
        still_serving = http.get(f"/v1/Account/{account.auth_id}/")
    assert response.status_code == 400
    assert response.json()["error"] == "the URL contains a NUL character (%00)"
    assert still_serving.status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"name": "a\x00b"}, {"name": "ok", "extra": ["x", "y\x00"]}, {"name": "ok", "nested": {"k": "\x00"}}],
)
def test_nul_in_a_body_is_a_400(server: LiveServer, account: MainAccount, body: dict) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json=body)
    assert response.status_code == 400
    assert "must not contain the NUL character" in response.json()["error"]
