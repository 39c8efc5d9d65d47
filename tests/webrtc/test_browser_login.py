"""The unmodified browser SDK logs in to Switchboard in Chromium: with an endpoint's password, with
an access token from ``JWT/Token/``, and is refused with the SDK's reason for a bad token."""

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.webrtc.browser_phone import BrowserPhone, launch
from tests.webrtc.wsclient import wait_until

pytestmark = pytest.mark.one_backend  # registrations on both backends: test_signalling.py


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def _registered(sdk: RecordingClient, endpoint_id: str) -> str:
    return sdk.endpoints.get(endpoint_id).sip_registered


def test_password_login_and_logout(sip_server: LiveServer, sip_sdk: RecordingClient, chromium: Any) -> None:
    created = sip_sdk.endpoints.create(username="alice", password="s3cret!", alias="Alice")
    phone = BrowserPhone(chromium, sip_server.base_url)
    phone.run("([user, password]) => window.phone.client.login(user, password)", [created.username, "s3cret!"])
    phone.wait_for("onLogin")
    assert wait_until(lambda: _registered(sip_sdk, created.endpoint_id) == "true")
    phone.run("() => window.phone.client.logout()")
    phone.wait_for("onLogout")
    assert wait_until(lambda: _registered(sip_sdk, created.endpoint_id) == "false")
    assert not [url for url in phone.left if "plivo" in url], phone.left
    phone.close()


def test_wrong_password_fails_login(sip_server: LiveServer, sip_sdk: RecordingClient, chromium: Any) -> None:
    created = sip_sdk.endpoints.create(username="bob", password="s3cret!", alias="Bob")
    phone = BrowserPhone(chromium, sip_server.base_url)
    phone.run("([user, password]) => window.phone.client.login(user, password)", [created.username, "wrong!"])
    assert phone.wait_for("onLoginFailed")
    assert _registered(sip_sdk, created.endpoint_id) == "false"
    phone.close()


def test_token_login_and_token_errors(sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount,
                                      chromium: Any) -> None:
    created = sip_sdk.endpoints.create(username="carol", password="s3cret!", alias="Carol")
    token = sip_sdk.token.create(sip_account.auth_id, sub=created.username, incoming_allow=True, outgoing_allow=True).token
    phone = BrowserPhone(chromium, sip_server.base_url)
    phone.run("(token) => window.phone.client.loginWithAccessToken(token)", token)
    phone.wait_for("onLogin")
    assert wait_until(lambda: _registered(sip_sdk, created.endpoint_id) == "true")
    phone.close()

    now = int(time.time())
    cases = [
        (sip_sdk.token.create(sip_account.auth_id, sub="nobody", incoming_allow=True).token, "INVALID_ACCESS_TOKEN_SUBJECT"),
        (token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), "INVALID_ACCESS_TOKEN_SIGNATURE"),
        (sip_sdk.token.create(sip_account.auth_id, sub=created.username, incoming_allow=True,
                              nbf=str(now + 3600), exp=str(now + 7200)).token, "ACCESS_TOKEN_NOT_VALID_YET"),
    ]
    for bad, reason in cases:
        phone = BrowserPhone(chromium, sip_server.base_url)
        phone.run("(token) => window.phone.client.loginWithAccessToken(token)", bad)
        assert phone.wait_for("onLoginFailed")[0][0] == reason, reason
        phone.close()


def test_the_sdk_registers_again_after_its_websocket_drops(sip_server: LiveServer, sip_sdk: RecordingClient,
                                                           chromium: Any) -> None:
    created = sip_sdk.endpoints.create(username="dave", password="s3cret!", alias="Dave")
    phone = BrowserPhone(chromium, sip_server.base_url)
    phone.run("([user, password]) => window.phone.client.login(user, password)", [created.username, "s3cret!"])
    phone.wait_for("onLogin")
    assert wait_until(lambda: _registered(sip_sdk, created.endpoint_id) == "true")
    before = {peer.port for peer in sip_server.app.state.sip.transport.flows}

    async def drop(app: Any) -> int:
        flows = list(app.state.sip.transport.flows.values())
        for flow in flows:
            flow.close(1011)
        return len(flows)

    assert sip_server.call(drop) >= 1
    states = lambda: [detail[0]["state"] for detail in phone.events("onConnectionChange")]  # noqa: E731
    assert wait_until(lambda: states()[-2:] == ["disconnected", "connected"], 20), states()
    assert wait_until(lambda: _registered(sip_sdk, created.endpoint_id) == "true"
                      and {peer.port for peer in sip_server.app.state.sip.transport.flows} - before, 20)
    phone.close()
