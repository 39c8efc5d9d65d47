"""A browser leg whose ICE or DTLS fails ends with Plivo's media timeout (``MEDIA_TIMEOUT``, source
Plivo) and an entry in the debug log saying which handshake failed. The "browser" is an aiortc peer
on its own event loop (a thread of the test process) behind the SDK-dialect WebSocket client."""

import asyncio
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.conftest import customer  # noqa: F401  (the customer-app fixture)
from tests.voice.customer_app import CustomerApp
from tests.webhooks.helpers import log_entries
from tests.webrtc.wsclient import WsSipClient, header, status

pytestmark = pytest.mark.one_backend  # the refusal paths run on both backends in test_signalling.py


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop of the simulated browser, running in a thread while the test speaks SIP."""
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(5)


def _run(loop: asyncio.AbstractEventLoop, coroutine: Any) -> Any:
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(10)


async def _peer() -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(AudioStreamTrack())
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


def _ack(client: WsSipClient, response: str, call_id: str) -> None:
    client.send("\r\n".join([
        "ACK sip:14155550199@phone.plivo.com SIP/2.0", "Via: SIP/2.0/WSS x.invalid;branch=z9hG4bKack" + call_id,
        "Max-Forwards: 69", f"To: {header(response, 'To')}", f"From: {header(response, 'From')}",
        f"Call-ID: {call_id}", f"CSeq: {client.count} ACK", "Content-Length: 0", "", ""]))


def _call(server: LiveServer, sdk: RecordingClient, account: MainAccount, customer: CustomerApp, offer: str,  # noqa: F811
          call_id: str) -> tuple[WsSipClient, str]:
    app = sdk.applications.create(app_name="hotline", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    user = sdk.endpoints.create(username="dtls", password="s3cret!", alias="dtls", app_id=app.app_id).username
    token = sdk.token.create(account.auth_id, sub=user, incoming_allow=True, outgoing_allow=True).token
    customer.route("/answer", '<Response><Speak>Hello.</Speak><Wait length="60"/></Response>')
    customer.route("/hangup", "")
    client = WsSipClient(server.base_url, f"{user}_{account.auth_id}")
    assert status(client.register(token=token)) == 200
    headers = ["Content-Type: application/sdp", f"X-Plivo-Jwt: {token}", f"Contact: <{client.contact_uri}>"]
    answered = client.request("INVITE", "sip:14155550199@phone.plivo.com", headers, body=offer, call_id=call_id)
    assert status(answered) == 200, answered
    _ack(client, answered, call_id)
    return client, answered.split("\r\n\r\n", 1)[1]


def _ended_with(server: LiveServer, account: MainAccount, customer: CustomerApp, failed: str) -> None:  # noqa: F811
    hangup = customer.wait_for("/hangup", timeout=30)[0].params
    assert (hangup["HangupCause"], hangup["HangupSource"]) == ("MEDIA_TIMEOUT", "Plivo"), hangup
    errors = [entry for entry in log_entries(server, account) if hangup["CallUUID"] in str(entry)]
    assert any(failed in str(entry) for entry in errors), errors


def test_a_wrong_dtls_fingerprint_ends_the_call_with_a_media_timeout_and_a_debug_log_entry(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp,  # noqa: F811
        loop: asyncio.AbstractEventLoop) -> None:
    pc, offer = _run(loop, _peer())
    # the browser's ICE works, but the fingerprint it announces is not its certificate's
    forged = re.sub(r"(a=fingerprint:sha-256 )([0-9A-F:]+)", lambda m: m.group(1) + ":".join(["AB"] * 32), offer)
    assert forged != offer
    client, answer = _call(sip_server, sip_sdk, sip_account, customer, forged, "dtls-forged")
    _run(loop, pc.setRemoteDescription(RTCSessionDescription(answer, "answer")))
    _ended_with(sip_server, sip_account, customer, "DTLS handshake failed")
    _run(loop, pc.close())
    client.close()


def test_a_browser_that_never_answers_ice_ends_the_call_after_the_connect_timeout(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp,  # noqa: F811
        loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch) -> None:
    from switchboard.network.webrtc import media

    monkeypatch.setattr(media, "CONNECT_SECONDS", 1.0)
    pc, offer = _run(loop, _peer())
    client, _ = _call(sip_server, sip_sdk, sip_account, customer, offer, "ice-silent")  # the answer is never applied
    _ended_with(sip_server, sip_account, customer, "ICE")
    _run(loop, pc.close())
    client.close()
