"""A browser leg whose ICE or DTLS fails ends with Plivo's media timeout (``MEDIA_TIMEOUT``, source
Plivo) and an entry in the debug log saying which handshake failed. The "browser" is an aiortc peer
on its own event loop (a thread of the test process) behind the SDK-dialect WebSocket client."""

import asyncio
import re

import pytest
from aiortc import RTCSessionDescription

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.conftest import customer  # noqa: F401  (the customer-app fixture)
from tests.voice.customer_app import CustomerApp
from tests.webhooks.helpers import log_entries
from tests.webrtc.aiortc_peer import call_in, loop, peer, run  # noqa: F401  (the loop fixture)

pytestmark = pytest.mark.one_backend  # the refusal paths run on both backends in test_signalling.py


def _ended_with(server: LiveServer, account: MainAccount, customer: CustomerApp, failed: str) -> None:  # noqa: F811
    hangup = customer.wait_for("/hangup", timeout=30)[0].params
    assert (hangup["HangupCause"], hangup["HangupSource"]) == ("MEDIA_TIMEOUT", "Plivo"), hangup
    errors = [entry for entry in log_entries(server, account) if hangup["CallUUID"] in str(entry)]
    assert any(failed in str(entry) for entry in errors), errors


def test_a_wrong_dtls_fingerprint_ends_the_call_with_a_media_timeout_and_a_debug_log_entry(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp,  # noqa: F811
        loop: asyncio.AbstractEventLoop) -> None:
    pc, offer = run(loop, peer())
    # the browser's ICE works, but the fingerprint it announces is not its certificate's
    forged = re.sub(r"(a=fingerprint:sha-256 )([0-9A-F:]+)", lambda m: m.group(1) + ":".join(["AB"] * 32), offer)
    assert forged != offer
    client, answer = call_in(sip_server, sip_sdk, sip_account, customer, forged, "dtls-forged")
    run(loop, pc.setRemoteDescription(RTCSessionDescription(answer, "answer")))
    _ended_with(sip_server, sip_account, customer, "DTLS handshake failed")
    run(loop, pc.close())
    client.close()


def test_a_browser_that_never_answers_ice_ends_the_call_after_the_connect_timeout(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp,  # noqa: F811
        loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch) -> None:
    from switchboard.network.webrtc import media

    monkeypatch.setattr(media, "CONNECT_SECONDS", 1.0)
    pc, offer = run(loop, peer())
    client, _ = call_in(sip_server, sip_sdk, sip_account, customer, offer, "ice-silent")  # the answer is never applied
    _ended_with(sip_server, sip_account, customer, "ICE")
    run(loop, pc.close())
    client.close()
