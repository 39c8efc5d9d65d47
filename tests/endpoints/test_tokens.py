"""``POST JWT/Token/`` and the access-token check used on REGISTER and INVITE, through the official
Python SDK (``client.token.create``, and the claims of its local ``AccessToken`` helper) and raw HTTP."""

import time
from typing import Any

import jwt
import plivo.exceptions
import pytest
from plivo.utils.jwt import AccessToken

from switchboard.endpoints import tokens
from switchboard.endpoints.tokens import JwtError, TokenRefused
from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape


def _check(server: LiveServer, token: str, now: int | None = None) -> tokens.AccessGrant | JwtError:
    async def run(app: Any) -> tokens.AccessGrant | JwtError:
        async with app.state.db.session() as session:
            try:
                return await tokens.check_with_accounts(session, token, key=app.state.access_token_key,
                                                        now=now if now is not None else int(time.time()))
            except TokenRefused as refused:
                return refused.code

    return server.call(run)


def _claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def test_create_through_sdk_with_string_times_gives_plivo_shaped_token(server: LiveServer, client: RecordingClient,
                                                                       account: MainAccount) -> None:
    app = client.applications.create(app_name="browser", answer_url="https://example.com/a")
    now = int(time.time())
    response = client.token.create(account.auth_id, sub="alice", nbf=str(now), exp=str(now + 3600),
                                   incoming_allow=True, outgoing_allow=True, app=app.app_id)
    assert client.last_status == 200
    assert_plivo_shape(client.last_json(), "tokenCreateResponse")
    header, claims = _claims(response.token)
    assert header == {"alg": "HS256", "cty": "plivo;v=1", "typ": "JWT"}
    assert claims == {"app": app.app_id, "exp": now + 3600, "iss": account.auth_id, "nbf": now,
                      "per": {"voice": {"incoming_allow": True, "outgoing_allow": True}}, "sub": "alice"}
    assert list(claims) == sorted(claims)
    grant = _check(server, response.token)
    assert isinstance(grant, tokens.AccessGrant)
    assert (grant.sip_username, grant.incoming, grant.outgoing, grant.app_id) == (f"alice_{account.auth_id}", True, True, app.app_id)
    assert len(response.token) < 500  # the browser SDK drops X-Plivo-Jwt values longer than that


def test_defaults_are_now_and_24_hours_with_empty_sub_and_app(server: LiveServer, client: RecordingClient,
                                                              account: MainAccount) -> None:
    before = int(time.time())
    token = client.token.create(account.auth_id, outgoing_allow=True).token
    _, claims = _claims(token)
    assert claims["exp"] - claims["nbf"] == 86400 and before <= claims["nbf"] <= int(time.time())
    assert (claims["sub"], claims["app"], claims["per"]["voice"]) == ("", "", {"incoming_allow": False, "outgoing_allow": True})
    grant = _check(server, token)
    assert isinstance(grant, tokens.AccessGrant) and grant.sip_username is None and not grant.incoming


def test_go_style_integer_times_and_top_level_grants(server: LiveServer, account: MainAccount) -> None:
    now = int(time.time())
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/JWT/Token/",
                             json={"iss": account.auth_id, "sub": "bob", "nbf": now, "exp": now + 600,
                                   "incoming_allow": True, "outgoing_allow": False})
    assert response.status_code == 200, response.text
    _, claims = _claims(response.json()["token"])
    assert (claims["nbf"], claims["exp"]) == (now, now + 600)
    assert claims["per"]["voice"] == {"incoming_allow": True, "outgoing_allow": False}


@pytest.mark.parametrize(("change", "message"), [
    ({"iss": None}, "iss"),
    ({"iss": "MAOTHERACCOUNT0000001"}, "iss"),
    ({"nbf": "soon"}, "nbf"),
    ({"exp": "+1"}, "exp"),
    ({"exp": "NBF-1"}, "after nbf"),
    ({"exp": "NBF+86401"}, "24 hours"),
    ({"nbf": "NOW-7200", "exp": "NOW-3600"}, "past"),
    ({"sub": None}, "sub is required"),
    ({"sub": "bad user@x"}, "sub"),
    ({"app": "12345678901234567"}, "app"),
    ({"per": {"voice": {"incoming_allow": "maybe"}}}, "incoming_allow"),
])
def test_bad_requests_are_plivo_400s(server: LiveServer, account: MainAccount, change: dict[str, Any], message: str) -> None:
    now = int(time.time())
    payload: dict[str, Any] = {"iss": account.auth_id, "sub": "carol", "nbf": now, "exp": now + 60,
                               "per": {"voice": {"incoming_allow": True}}}
    for key, value in change.items():
        if isinstance(value, str) and value.startswith(("NOW", "NBF")):
            value = eval(value.replace("NOW", str(now)).replace("NBF", str(now)))  # noqa: S307 (test arithmetic)
        payload[key] = value
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/JWT/Token/", json={k: v for k, v in payload.items() if v is not None})
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"api_id", "error"} and message in response.json()["error"]


def test_sdk_refuses_incoming_without_sub_before_sending(client: RecordingClient, account: MainAccount) -> None:
    with pytest.raises(ValueError):
        client.token.create(account.auth_id, incoming_allow=True)


def test_wrong_credentials_are_401(server: LiveServer, account: MainAccount) -> None:
    with server.http(MainAccount(account.auth_id, "x" * 40)) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/JWT/Token/", json={"iss": account.auth_id})
    assert response.status_code == 401


def test_subaccount_tokens_from_main_and_not_across_accounts(server: LiveServer, client: RecordingClient,
                                                             account: MainAccount) -> None:
    sub = client.subaccounts.create(name="desk", enabled=True)
    token = client.token.create(sub.auth_id, sub="dave", incoming_allow=True).token
    assert _claims(token)[1]["iss"] == sub.auth_id
    as_sub = RecordingClient(server.base_url, sub.auth_id, sub.auth_token)
    with pytest.raises(plivo.exceptions.ValidationError):
        as_sub.token.create(account.auth_id, outgoing_allow=True)  # a subaccount cannot issue for its parent


def _issued(server: LiveServer, **claims: Any) -> str:
    return jwt.encode(claims, server.app.state.access_token_key, algorithm="HS256", headers={"cty": "plivo;v=1"})


def _voice(incoming: Any = True, outgoing: Any = True) -> dict[str, Any]:
    return {"voice": {"incoming_allow": incoming, "outgoing_allow": outgoing}}


def test_each_refusal_has_plivos_error_code(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    now = int(time.time())
    good = {"iss": account.auth_id, "sub": "erin", "nbf": now - 10, "exp": now + 600, "app": "", "per": _voice()}
    assert isinstance(_check(server, _issued(server, **good)), tokens.AccessGrant)
    cases: list[tuple[str, JwtError]] = [
        ("not.a.jwt", JwtError.INVALID_ACCESS_TOKEN),
        (jwt.encode(good, server.app.state.access_token_key, algorithm="HS512"), JwtError.INVALID_ACCESS_TOKEN_HEADER),
        (_issued(server, **{**good, "iss": "MANOSUCHACCOUNT00000"}), JwtError.INVALID_ACCESS_TOKEN_ISSUER),
        (_issued(server, **{**good, "sub": ""}), JwtError.INVALID_ACCESS_TOKEN_SUBJECT),
        (_issued(server, **{**good, "nbf": now + 120}), JwtError.ACCESS_TOKEN_NOT_VALID_YET),
        (_issued(server, **{**good, "nbf": now - 700, "exp": now - 1}), JwtError.ACCESS_TOKEN_EXPIRED),
        (jwt.encode(good, b"another server's key, long enough for HS256", algorithm="HS256"), JwtError.INVALID_ACCESS_TOKEN_SIGNATURE),
        (jwt.encode(good, account.auth_token, algorithm="HS256"), JwtError.INVALID_ACCESS_TOKEN_SIGNATURE),
        (_issued(server, **{**good, "per": _voice(False, False)}), JwtError.INVALID_ACCESS_TOKEN_GRANTS),
        (_issued(server, **{**good, "per": _voice("yes", True)}), JwtError.INVALID_ACCESS_TOKEN_GRANTS),
        (_issued(server, **{k: v for k, v in good.items() if k != "per"}), JwtError.INVALID_ACCESS_TOKEN_GRANTS),
        (_issued(server, **{**good, "exp": now - 10 + 86401}), JwtError.EXPIRATION_EXCEEDS_MAX_ALLOWED_TIME),
        (_issued(server, **{**good, "nbf": str(now)}), JwtError.INVALID_ACCESS_TOKEN),
    ]
    for token, code in cases:
        assert _check(server, token) == code, (code, _claims(token) if token.count(".") == 2 else token)


def test_a_tampered_token_fails_its_signature(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    token = client.token.create(account.auth_id, outgoing_allow=True).token
    header, payload, signature = token.split(".")
    forged_claims = {**_claims(token)[1], "per": _voice(True, True), "sub": "mallory"}
    forged = jwt.encode(forged_claims, "a guessed key that is long enough for HS256", algorithm="HS256", headers={"cty": "plivo;v=1"}).split(".")[1]
    assert _check(server, f"{header}.{forged}.{signature}") == JwtError.INVALID_ACCESS_TOKEN_SIGNATURE


def test_a_token_of_a_disabled_subaccount_is_refused(server: LiveServer, client: RecordingClient) -> None:
    sub = client.subaccounts.create(name="gone", enabled=True)
    token = client.token.create(sub.auth_id, outgoing_allow=True).token
    assert isinstance(_check(server, token), tokens.AccessGrant)
    client.subaccounts.update(sub.auth_id, name="gone", enabled=False)
    assert _check(server, token) == JwtError.INVALID_ACCESS_TOKEN_ISSUER


def test_tokens_signed_locally_with_the_auth_token_through_the_sdk_helper(server: LiveServer, account: MainAccount) -> None:
    """The SDK's ``AccessToken`` builds the claims; its ``to_jwt`` calls ``.decode`` on PyJWT 2's str,
    so the test signs those same claims the way it would (HS256, auth token, its header)."""
    now = int(time.time())
    helper = AccessToken(account.auth_id, account.auth_token, "frank", valid_from=now - 5, lifetime=3600)
    helper.add_voice_grants(incoming=True, outgoing=False)
    claims = {"jti": helper.uid, "iss": helper.auth_id, "sub": helper.username, "nbf": helper.valid_from,
              "exp": helper.valid_from + helper.lifetime, "grants": helper.grants}
    token = jwt.encode(claims, helper.key, "HS256", {"typ": "JWT", "cty": "plivo;v=1"})
    grant = _check(server, token)
    assert isinstance(grant, tokens.AccessGrant)
    assert (grant.sip_username, grant.incoming, grant.outgoing, grant.signed_locally) == (f"frank_{account.auth_id}", True, False, True)
    assert _check(server, jwt.encode(claims, "not the auth token, though long enough", "HS256")) == JwtError.INVALID_ACCESS_TOKEN_SIGNATURE
    wrong_grants = jwt.encode({**claims, "grants": {"voice": {"incoming_allow": False}}}, helper.key, "HS256")
    assert _check(server, wrong_grants) == JwtError.INVALID_ACCESS_TOKEN_GRANTS


def test_the_key_comes_from_the_server_secret(server: LiveServer, account: MainAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nodes sharing ``SWITCHBOARD_SECRET_KEY`` share the access-token key; another secret gives another key."""
    from switchboard.core.server_key import derived_key

    monkeypatch.setenv("SWITCHBOARD_SECRET_KEY", "one")
    first = derived_key(server.settings, "access-token")
    assert derived_key(server.settings, "access-token") == first != derived_key(server.settings, "console")
    monkeypatch.setenv("SWITCHBOARD_SECRET_KEY", "two")
    assert derived_key(server.settings, "access-token") != first
