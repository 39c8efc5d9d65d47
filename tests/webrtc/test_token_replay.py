"""Replayed tokens and tokens of another account, refused over the WebSocket with a 403 and Plivo's
``X-Plivo-Jwt-Error-Code`` (the check itself is in ``tests/endpoints/test_tokens.py``).

"Replayed" means a token presented again after it stopped being good: after its ``exp`` (the SDK
re-registers every 120 s with the token it holds), after its issuing subaccount was disabled, or,
for a token signed locally, after the Auth Token it was signed with changed. A token that is still
valid may be presented any number of times (the SDK re-registers with it): tokens carry no
one-time nonce, as Plivo's do not."""

import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import update

from switchboard.accounts.models import Account
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.webrtc.wsclient import WsSipClient, header, status

OFFER = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"
         "a=rtpmap:0 PCMU/8000\r\n")


def _refused(response: str) -> str | None:
    assert status(response) == 403, response
    return header(response, "X-Plivo-Jwt-Error-Code")


def _invite(client: WsSipClient, token: str, call_id: str) -> str:
    headers = ["Content-Type: application/sdp", f"X-Plivo-Jwt: {token}", f"Contact: <{client.contact_uri}>"]
    return client.request("INVITE", "sip:14155550199@phone.plivo.com", headers, body=OFFER, call_id=call_id)


def test_a_token_replayed_after_its_expiry_is_refused_on_register_and_invite(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    user = sip_sdk.endpoints.create(username="replay", password="s3cret!", alias="replay").username
    now = int(time.time())
    token = sip_sdk.token.create(sip_account.auth_id, sub=user, incoming_allow=True, outgoing_allow=True,
                                 nbf=str(now), exp=str(now + 600)).token
    client = WsSipClient(sip_server.base_url, f"{user}_{sip_account.auth_id}")
    assert status(client.register(token=token)) == 200
    assert status(client.register(token=token)) == 200  # re-registering with a valid token is no replay

    clock = sip_server.app.state.sip.clock
    later = clock.now() + timedelta(seconds=601)
    monkeypatch.setattr(clock, "now", lambda: later)  # the server's clock, ten minutes on
    assert _refused(client.register(token=token)) == "10006"  # ACCESS_TOKEN_EXPIRED
    assert _refused(_invite(client, token, "replay-expired")) == "10006"
    client.close()


def test_a_token_of_a_disabled_subaccount_or_a_changed_auth_token_is_refused(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount) -> None:
    sub = sip_sdk.subaccounts.create(name="desk", enabled=True)
    as_sub = RecordingClient(sip_server.base_url, sub.auth_id, sub.auth_token)
    user = as_sub.endpoints.create(username="desk", password="s3cret!", alias="desk").username
    issued = sip_sdk.token.create(sub.auth_id, sub=user, incoming_allow=True, outgoing_allow=True).token
    now = int(time.time())
    local = jwt.encode({"jti": f"desk-{now}", "iss": sub.auth_id, "sub": user, "nbf": now, "exp": now + 600,
                        "grants": {"voice": {"incoming_allow": True, "outgoing_allow": True}}},
                       sub.auth_token, "HS256", {"typ": "JWT", "cty": "plivo;v=1"})
    client = WsSipClient(sip_server.base_url, f"{user}_{sub.auth_id}")
    assert status(client.register(token=issued)) == 200
    assert status(client.register(token=local)) == 200

    async def new_auth_token(app: Any) -> None:
        async with app.state.db.session() as session:
            await session.execute(update(Account).where(Account.auth_id == sub.auth_id).values(auth_token="N" * 40))
            await session.commit()

    sip_server.call(new_auth_token)
    assert _refused(client.register(token=local)) == "10007"  # INVALID_ACCESS_TOKEN_SIGNATURE
    assert status(client.register(token=issued)) == 200  # an issued token does not hang on the Auth Token

    sip_sdk.subaccounts.update(sub.auth_id, name="desk", enabled=False)
    assert _refused(client.register(token=issued)) == "10003"  # INVALID_ACCESS_TOKEN_ISSUER
    assert _refused(_invite(client, issued, "replay-disabled")) == "10003"
    client.close()


def test_a_token_for_another_account_cannot_log_in_or_call_as_this_accounts_endpoint(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount) -> None:
    user = sip_sdk.endpoints.create(username="mine", password="s3cret!", alias="mine").username
    other = sip_server.new_main_account()
    other_sdk = RecordingClient(sip_server.base_url, other.auth_id, other.auth_token)
    # the other account names this account's endpoint as its sub
    both = other_sdk.token.create(other.auth_id, sub=user, incoming_allow=True, outgoing_allow=True).token
    outgoing = other_sdk.token.create(other.auth_id, sub=user, outgoing_allow=True).token

    as_theirs = WsSipClient(sip_server.base_url, f"{user}_{other.auth_id}")  # the user the SDK derives from the token
    assert _refused(as_theirs.register(token=both)) == "10004"  # sub is no endpoint of the issuer
    assert status(as_theirs.register(token=outgoing)) == 200  # logs in, as an identity of its own account
    assert _refused(_invite(as_theirs, outgoing, "other-account")) == "10004"  # but cannot call as our endpoint
    as_theirs.close()

    as_ours = WsSipClient(sip_server.base_url, f"{user}_{sip_account.auth_id}")  # the SIP user of ours
    assert _refused(as_ours.register(token=both)) == "10004"  # not the token's SIP user
    assert _refused(_invite(as_ours, outgoing, "other-account-2")) == "10004"
    shown = [e for e in sip_sdk.endpoints.list().objects if e.username == user][0]
    assert sip_sdk.endpoints.get(shown.endpoint_id).sip_registered == "false"
    as_ours.close()
