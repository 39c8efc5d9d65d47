"""``<Stream>`` on the simulated network, with an agent built on Plivo's official stream SDK."""

import re
import uuid

from switchboard.media import asr
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import inbound
from tests.voice.stream.agent import Agent


def stream_xml(agent: Agent, customer: CustomerApp, after: str = "After the stream.", **attributes: str) -> str:
    attrs = " ".join(f'{key}="{value}"' for key, value in attributes.items())
    return (f'<Response><Stream {attrs} statusCallbackUrl="{customer.url("/stream-status")}">{agent.url}</Stream>'
            f'<Speak>{after}</Speak></Response>')


def test_the_agent_gets_start_the_callers_audio_and_digits(sim: Sim, customer: CustomerApp, agent: Agent) -> None:
    customer.route("/stream-status", "")
    xml = stream_xml(agent, customer, keepCallAlive="true", contentType="audio/x-mulaw;rate=8000",
                     extraHeaders="userId=12345,plan=gold")
    call_uuid = inbound(sim, customer, "14155558801", xml,
                        [{"wait": 0.5}, {"say": "hello I would like to book a table"}, {"press": "5"}, {"wait": 0.5},
                         {"hangup": True}])
    agent.wait_closed()
    assert agent.errors == []  # the signature validated with the SDK's helper, every message parsed
    [start] = agent.starts
    assert start.start.call_id == call_uuid and uuid.UUID(start.start.stream_id)
    assert start.start.account_id == sim.account.auth_id and start.start.tracks == ["inbound"]
    assert (start.start.media_format.encoding, start.start.media_format.sample_rate) == ("audio/x-mulaw", 8000)
    assert start.extra_headers == "userId=12345,plan=gold"
    assert agent.headers[0].get("userid") == "12345"
    # sequence numbers from 1 on every message; chunks from 1 per track; timestamps are digits
    numbers = [message["sequenceNumber"] for message in agent.raw]
    assert numbers == list(range(1, len(numbers) + 1))
    assert agent.chunks["inbound"] == list(range(1, len(agent.chunks["inbound"]) + 1))
    assert all(re.fullmatch(r"\d{13}", stamp) for stamp in agent.timestamps)
    assert all(m["extra_headers"] == "userId=12345,plan=gold" for m in agent.raw if m["event"] == "media")
    assert all(len(m["media"]["payload"]) == 216 for m in agent.raw if m["event"] == "media")  # 160 bytes, base64
    # the caller's words, spoken by the platform's TTS: about as long as they were said, recognisable
    assert 1.2 <= agent.loud_seconds() <= 3.0
    assert {"book", "table"} & set(asr.transcribe(agent.pcm()).split())
    assert agent.digits == "5"
    events = [hit.params["Event"] for hit in customer.wait_for("/stream-status", 2)]
    assert events == ["StartStream", "StopStream"]
    stopped = customer.wait_for("/stream-status", 2)[1].params
    assert stopped["StreamID"] == start.start.stream_id and stopped["CallUUID"] == call_uuid
    assert stopped["Status"] == "stopped" and int(stopped["Duration"]) >= 1
