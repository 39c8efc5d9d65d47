import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import plivo.exceptions
import pytest

from switchboard.endpoints import digest, service
from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape
from tests.numbers.test_search_buy import subaccount_client


class FrozenClock:
    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at


@contextmanager
def frozen(server: LiveServer, at: datetime) -> Iterator[None]:
    """The server's clock stopped at ``at`` for the duration (restored afterwards)."""
    state = server.app.state
    previous = state.clock
    state.clock = FrozenClock(at)
    try:
        yield
    finally:
        state.clock = previous


async def _stored(app: object, endpoint_id: str) -> tuple[str, str]:
    from switchboard.endpoints.models import Endpoint

    async with app.state.db.session() as session:  # type: ignore[attr-defined]
        row = await session.get(Endpoint, endpoint_id)
        return row.password_ha1, row.sip_realm


def test_create_get_list_update_delete_through_sdk(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    app = client.applications.create(app_name="phones", answer_url="https://example.com/answer")
    created = client.endpoints.create(username="zumba", password="s3cret!", alias="Zumba desk", app_id=app.app_id)
    assert client.last_status == 201
    assert_plivo_shape(client.last_json(), "endpointCreateResponse")
    assert re.fullmatch(r"zumba\d{12}", created.username)
    assert created.alias == "Zumba desk" and re.fullmatch(r"\d{14}", created.endpoint_id)

    got = client.endpoints.get(created.endpoint_id)
    body = client.last_json()
    assert_plivo_shape(body, "endpointGetResponse", extra=("api_id",))  # the fixture lacks the api_id every response has
    domain = server.settings.resolved_sip_domain
    assert body["sip_uri"] == f"sip:{created.username}@{domain}"
    assert body["sip_registered"] == "false"
    assert (body["sip_contact"], body["sip_expires"], body["sip_user_agent"]) == (None, None, None)
    assert body["application"] == f"/v1/Account/{account.auth_id}/Application/{app.app_id}/"
    assert body["resource_uri"] == f"/v1/Account/{account.auth_id}/Endpoint/{created.endpoint_id}/"
    assert got.username == created.username and body["sub_account"] is None

    client.endpoints.list()
    assert_plivo_shape(client.last_json(), "endpointListResponse")
    assert [e["endpoint_id"] for e in client.last_json()["objects"]] == [created.endpoint_id]

    client.endpoints.update(created.endpoint_id, alias="Front desk", app_id="")
    assert client.last_status == 202
    assert_plivo_shape(client.last_json(), "endpointUpdateResponse")
    got = client.endpoints.get(created.endpoint_id)
    assert (got.alias, got.application) == ("Front desk", None)

    client.endpoints.delete(created.endpoint_id)
    assert client.last_status == 204
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.endpoints.get(created.endpoint_id)


def test_password_is_stored_as_digest_ha1(server: LiveServer, client: RecordingClient) -> None:
    created = client.endpoints.create(username="alice", password="wonderland", alias="Alice")
    stored, realm = server.call(_stored, created.endpoint_id)
    assert realm == server.settings.resolved_sip_domain
    assert stored == hashlib.md5(f"{created.username}:{realm}:wonderland".encode()).hexdigest()
    assert "wonderland" not in stored
    # a registrar can check a client's digest response with it
    response = digest.expected_response(digest.ha1(created.username, realm, "wonderland"), "REGISTER", f"sip:{realm}", "abc", qop="auth", nc="00000001", cnonce="xyz")
    assert digest.verify(stored, "REGISTER", f"sip:{realm}", "abc", response, qop="auth", nc="00000001", cnonce="xyz")
    assert not digest.verify(stored, "REGISTER", f"sip:{realm}", "abc", "0" * 32, qop="auth", nc="00000001", cnonce="xyz")

    client.endpoints.update(created.endpoint_id, password="looking-glass")
    stored_after, _ = server.call(_stored, created.endpoint_id)
    assert stored_after == digest.ha1(created.username, realm, "looking-glass") != stored


def test_digest_matches_rfc2617_example() -> None:
    ha1 = digest.ha1("Mufasa", "testrealm@host.com", "Circle Of Life")
    assert digest.verify(
        ha1, "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "6629fae49393a05397450978507c4ef1",
        qop="auth", nc="00000001", cnonce="0a4f113b",
    )


def test_same_username_twice_gets_distinct_names(server: LiveServer, client: RecordingClient) -> None:
    with frozen(server, datetime(2031, 10, 31, 14, 59, 58, tzinfo=timezone.utc)):
        first = client.endpoints.create(username="desk", password="12345", alias="a")
        second = client.endpoints.create(username="desk", password="12345", alias="b")
    assert first.username == "desk311031145958"
    assert second.username == "desk311031145959"


def test_duplicate_username_is_refused_when_no_suffix_is_free(
    server: LiveServer, client: RecordingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "USERNAME_ATTEMPTS", 2)
    with frozen(server, datetime(2032, 1, 1, tzinfo=timezone.utc)):
        client.endpoints.create(username="busy", password="12345", alias="a")
        client.endpoints.create(username="busy", password="12345", alias="b")
        with pytest.raises(plivo.exceptions.InvalidRequestError, match="username: 'busy' is taken"):
            client.endpoints.create(username="busy", password="12345", alias="c")
    assert client.last_status == 409 and set(client.last_json()) == {"api_id", "error"}


def test_default_endpoint_app_is_used(client: RecordingClient) -> None:
    default = client.applications.create(app_name="softphones", answer_url="https://example.com/a", default_endpoint_app=True)
    created = client.endpoints.create(username="bob", password="12345", alias="Bob")
    assert client.endpoints.get(created.endpoint_id).application.endswith(f"/Application/{default.app_id}/")


def test_subaccount_endpoints_are_its_own(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    sub_id, sub = subaccount_client(server, client)
    mine = client.endpoints.create(username="main", password="12345", alias="main")
    theirs = sub.endpoints.create(username="branch", password="12345", alias="branch")
    sub.endpoints.get(theirs.endpoint_id)
    assert sub.last_json()["sub_account"] == f"/v1/Account/{account.auth_id}/Subaccount/{sub_id}/"
    assert sub.last_json()["resource_uri"] == f"/v1/Account/{sub_id}/Endpoint/{theirs.endpoint_id}/"
    sub.endpoints.list()
    assert [e["endpoint_id"] for e in sub.last_json()["objects"]] == [theirs.endpoint_id]
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        sub.endpoints.get(mine.endpoint_id)
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        sub.endpoints.delete(mine.endpoint_id)
    client.endpoints.list()
    assert {e["endpoint_id"] for e in client.last_json()["objects"]} == {mine.endpoint_id, theirs.endpoint_id}
    main_app = client.applications.create(app_name="main only", answer_url="https://example.com/a")
    with pytest.raises(plivo.exceptions.ValidationError, match="app_id"):
        sub.endpoints.update(theirs.endpoint_id, app_id=main_app.app_id)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"username": "1abc", "password": "12345", "alias": "x"}, "username"),
        ({"username": "ab_c", "password": "12345", "alias": "x"}, "username"),
        ({"username": "a" * 26, "password": "12345", "alias": "x"}, "username"),
        ({"username": "abc", "password": "1234", "alias": "x"}, "password"),
        ({"username": "abc", "password": "12345"}, "alias is required"),
        ({"username": "abc", "password": "12345", "alias": "x", "app_id": "404"}, "app_id: application 404 not found"),
    ],
)
def test_create_rejects_bad_input(server: LiveServer, account: MainAccount, payload: dict, message: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Endpoint/", json=payload)
    assert response.status_code == 400
    assert set(response.json()) == {"api_id", "error"} and message in response.json()["error"]


def test_update_needs_something_and_unknown_endpoint_is_404(server: LiveServer, account: MainAccount, client: RecordingClient) -> None:
    created = client.endpoints.create(username="carol", password="12345", alias="Carol")
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Endpoint/{created.endpoint_id}/", json={})
        assert response.status_code == 400 and "at least one of password" in response.json()["error"]
        assert http.get(f"/v1/Account/{account.auth_id}/Endpoint/12345678901234/").status_code == 404


def test_registration_fields_are_shown_once_registered(server: LiveServer, client: RecordingClient) -> None:
    created = client.endpoints.create(username="dave", password="12345", alias="Dave")
    expires = datetime(2030, 7, 21, 19, 26, 8, tzinfo=timezone.utc)

    async def register(app: object, contact: str | None) -> None:
        async with app.state.db.session() as session:  # type: ignore[attr-defined]
            await service.record_registration(
                session, created.endpoint_id, contact=contact, expires=expires, user_agent="Telephone 1.1.4"
            )

    server.call(register, f"sip:{created.username}@192.0.2.7:57563;ob")
    body = (client.endpoints.get(created.endpoint_id), client.last_json())[1]
    assert_plivo_shape(body, "endpointGetResponse", extra=("api_id",))  # the fixture lacks the api_id every response has
    assert (body["sip_registered"], body["sip_contact"], body["sip_expires"], body["sip_user_agent"]) == (
        "true", f"sip:{created.username}@192.0.2.7:57563;ob", "2030-07-21 19:26:08", "Telephone 1.1.4"
    )
    server.call(register, None)
    client.endpoints.get(created.endpoint_id)
    assert (client.last_json()["sip_registered"], client.last_json()["sip_contact"]) == ("false", None)
    assert timedelta(0) < expires - datetime(2030, 1, 1, tzinfo=timezone.utc)


def test_sip_domain_setting_names_uri_and_realm(tmp_path) -> None:  # type: ignore[no-untyped-def]
    live = LiveServer(f"sqlite+aiosqlite:///{tmp_path / 'sb.db'}", data_dir=tmp_path, sip_domain="sip.example.org")
    live.start()
    try:
        account = live.new_main_account()
        client = RecordingClient(live.base_url, account.auth_id, account.auth_token)
        created = client.endpoints.create(username="hana", password="12345", alias="Hana")
        client.endpoints.get(created.endpoint_id)
        assert client.last_json()["sip_uri"] == f"sip:{created.username}@sip.example.org"
        stored, realm = live.call(_stored, created.endpoint_id)
        assert realm == "sip.example.org" and stored == digest.ha1(created.username, "sip.example.org", "12345")
    finally:
        live.stop()
