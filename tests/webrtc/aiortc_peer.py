"""A simulated browser for media tests: an aiortc peer on its own event loop (a thread of the test
process) behind the SDK-dialect WebSocket client, calling into an endpoint's application."""

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import av
import numpy as np

import pytest
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.customer_app import CustomerApp
from tests.webrtc.wsclient import WsSipClient, header, status


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop of the simulated browser, running in a thread while the test speaks SIP."""
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(5)


def run(loop: asyncio.AbstractEventLoop, coroutine: Any) -> Any:
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(10)


class Heard:
    """What the simulated browser hears, decoded and resampled to 8 kHz mono 16-bit."""

    def __init__(self) -> None:
        self.pcm = bytearray()

    async def read(self, track: MediaStreamTrack) -> None:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=8000)
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            for out in resampler.resample(frame):
                self.pcm += bytes(out.planes[0])[: out.samples * 2]

    def samples(self) -> np.ndarray:
        return np.frombuffer(bytes(self.pcm), dtype=np.int16)


async def peer(heard: Heard | None = None, codec: str | None = None) -> tuple[RTCPeerConnection, str]:
    """An offering peer sending silence (only ``codec``, e.g. ``"audio/PCMU"``, when given);
    what it receives goes to ``heard``."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    if heard is not None:
        pc.on("track", lambda track: asyncio.ensure_future(heard.read(track)))
    transceiver = pc.addTransceiver(AudioStreamTrack(), direction="sendrecv")
    if codec is not None:
        from aiortc import RTCRtpSender

        transceiver.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType == codec])
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


def ack(client: WsSipClient, response: str, call_id: str) -> None:
    client.send("\r\n".join([
        "ACK sip:14155550199@phone.plivo.com SIP/2.0", "Via: SIP/2.0/WSS x.invalid;branch=z9hG4bKack" + call_id,
        "Max-Forwards: 69", f"To: {header(response, 'To')}", f"From: {header(response, 'From')}",
        f"Call-ID: {call_id}", f"CSeq: {client.count} ACK", "Content-Length: 0", "", ""]))


def call_in(server: LiveServer, sdk: RecordingClient, account: MainAccount, customer: CustomerApp, offer: str,
            call_id: str, answer_xml: str = '<Response><Speak>Hello.</Speak><Wait length="60"/></Response>',
            ) -> tuple[WsSipClient, str]:
    """Log an endpoint in with a token and call its application with ``offer``; the client (ACK
    sent) and the platform's SDP answer."""
    app = sdk.applications.create(app_name="hotline", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    user = sdk.endpoints.create(username="dtls", password="s3cret!", alias="dtls", app_id=app.app_id).username
    token = sdk.token.create(account.auth_id, sub=user, incoming_allow=True, outgoing_allow=True).token
    customer.route("/answer", answer_xml)
    customer.route("/hangup", "")
    client = WsSipClient(server.base_url, f"{user}_{account.auth_id}")
    assert status(client.register(token=token)) == 200
    headers = ["Content-Type: application/sdp", f"X-Plivo-Jwt: {token}", f"Contact: <{client.contact_uri}>"]
    answered = client.request("INVITE", "sip:14155550199@phone.plivo.com", headers, body=offer, call_id=call_id)
    assert status(answered) == 200, answered
    ack(client, answered, call_id)
    return client, answered.split("\r\n\r\n", 1)[1]
