"""``<Stream>`` on a SIP leg carrying real audio: a baresip softphone sends a 600 Hz tone, the agent
(official stream SDK) receives it at 16 kHz and plays speech back, which the softphone hears."""

import time
from collections.abc import Iterator

import pytest

from switchboard.media import audiofile
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.network.sip.conftest import sip_account, sip_sdk  # noqa: F401  (fixtures)
from tests.network.sip.peers import tone_seconds, wav_samples
from tests.network.sip.test_audio import Phones, heard, phones  # noqa: F401  (phones: a fixture)
from tests.voice.customer_app import CustomerApp
from tests.voice.stream.agent import Agent

pytestmark = pytest.mark.one_backend


@pytest.fixture
def sip_agent(sip_account: MainAccount) -> Iterator[Agent]:  # noqa: F811
    server = Agent(sip_account.auth_token)
    try:
        yield server
    finally:
        server.stop()


def test_a_softphones_audio_reaches_the_agent_and_the_agents_speech_reaches_the_softphone(
    sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, phones: Phones,  # noqa: F811
    sip_agent: Agent,
) -> None:
    phone, user = phones.add("sam", 600)
    sip_agent.greeting = "thank you for calling goodbye"
    sip_agent.close_after = 200  # about 4 s of media, then the agent hangs up the socket
    customer.route("/answer", f'<Response><Stream bidirectional="true" keepCallAlive="true" '
                              f'contentType="audio/x-l16;rate=16000">{sip_agent.url}</Stream></Response>')
    customer.route("/hangup", "")
    sip_sdk.calls.create(from_="14155550100", to_=f"sip:{user}@127.0.0.1", answer_url=customer.url("/answer"),
                         hangup_url=customer.url("/hangup"))
    sip_agent.wait_closed()
    hangup = customer.wait_for("/hangup", timeout=30)[0].params
    assert hangup["HangupCauseCode"] == "4010"  # the stream closed, the document ended
    time.sleep(1.0)
    phones.stop()
    assert sip_agent.played == ["greeting"]
    received = audiofile.to_wav(sip_agent.pcm())
    assert tone_seconds(received, 600) >= 2.5, "the agent did not get the softphone's tone"
    samples, rate = wav_samples(heard(phone))
    chunks = [samples[i:i + rate // 10] for i in range(0, len(samples) - rate // 10, rate // 10)]
    loud = sum(1 for chunk in chunks if float((chunk ** 2).mean()) ** 0.5 > 300)
    assert loud >= 10, "the softphone did not hear the agent's speech"
