"""Digits sent to a browser leg (``<DTMF>``) arrive as in-band tone pairs in its audio: aiortc has
no telephone-event codec (RFC 4733) to offer or send. The simulated browser is an aiortc peer
(``aiortc_peer.py``); what it decodes is run through the DTMF detector, with Opus and with PCMU."""

import asyncio

import pytest
from aiortc import RTCSessionDescription

from switchboard.media.tones import detect_dtmf
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.conftest import customer  # noqa: F401  (the customer-app fixture)
from tests.voice.customer_app import CustomerApp
from tests.webrtc.aiortc_peer import Heard, call_in, loop, peer, run  # noqa: F401  (the loop fixture)
from tests.webrtc.wsclient import wait_until

pytestmark = pytest.mark.one_backend


@pytest.mark.parametrize("codec", ["audio/opus", "audio/PCMU"])
def test_dtmf_reaches_the_browser_in_band(sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount,
                                          customer: CustomerApp, loop: asyncio.AbstractEventLoop,  # noqa: F811
                                          codec: str) -> None:
    heard = Heard()
    pc, offer = run(loop, peer(heard, codec))
    xml = '<Response><Speak>Hello.</Speak><Wait length="1"/><DTMF>159#</DTMF><Wait length="1"/><Hangup/></Response>'
    client, answer = call_in(sip_server, sip_sdk, sip_account, customer, offer, f"dtmf-{codec[6:]}", xml)
    run(loop, pc.setRemoteDescription(RTCSessionDescription(answer, "answer")))
    customer.wait_for("/hangup", timeout=30)
    assert wait_until(lambda: "159#" in detect_dtmf(heard.samples()), 5), detect_dtmf(heard.samples())
    run(loop, pc.close())
    client.close()
