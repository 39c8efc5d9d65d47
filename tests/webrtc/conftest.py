"""Browser-phone tests: the SIP server (``sip_server``, WebSocket at ``/signalling``) and its SDK client."""

import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient


@pytest.fixture
def sip_account(sip_server: LiveServer) -> MainAccount:
    return sip_server.new_main_account()


@pytest.fixture
def sip_sdk(sip_server: LiveServer, sip_account: MainAccount) -> RecordingClient:
    return RecordingClient(sip_server.base_url, sip_account.auth_id, sip_account.auth_token)
