"""``<Stream>`` on the simulated network, with an agent built on Plivo's official stream SDK."""

import re
import uuid

from switchboard.media import hints
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
    said = hints.understood(agent.pcm(), ("hello I would like to book a table", "cancel my order please", "goodbye"))
    assert said is not None and said[0] == "hello I would like to book a table"
    assert agent.digits == "5"
    events = [hit.params["Event"] for hit in customer.wait_for("/stream-status", 2)]
    assert events == ["StartStream", "StopStream"]
    stopped = customer.wait_for("/stream-status", 2)[1].params
    assert stopped["StreamID"] == start.start.stream_id and stopped["CallUUID"] == call_uuid
    assert stopped["Status"] == "stopped" and int(stopped["Duration"]) >= 1


def test_both_tracks_beside_the_document_until_the_stream_timeout(sim: Sim, customer: CustomerApp, agent: Agent) -> None:
    customer.route("/stream-status", "")
    xml = (f'<Response><Stream audioTrack="both" streamTimeout="4" contentType="audio/x-l16;rate=16000" '
           f'statusCallbackUrl="{customer.url("/stream-status")}" statusCallbackMethod="GET">{agent.url}</Stream>'
           '<Speak>Your call is being recorded for quality purposes.</Speak><Wait length="6"/></Response>')
    inbound(sim, customer, "14155558802", xml, [{"wait": 3.5}, {"say": "yes that is fine"}, {"wait": 8}])
    agent.wait_closed()
    assert agent.errors == [] and agent.starts[0].start.tracks == ["inbound", "outbound"]
    assert (agent.starts[0].start.media_format.encoding, agent.starts[0].start.media_format.sample_rate) == (
        "audio/x-l16", 16000)
    # the document went on (keepCallAlive false): the prompt is on the outbound track, the caller inbound
    assert agent.loud_seconds("outbound") >= 2.0 and agent.loud_seconds("inbound") <= agent.loud_seconds("outbound")
    assert agent.chunks["outbound"] == list(range(1, len(agent.chunks["outbound"]) + 1))
    assert kinds(sim.log("14155558802"), "heard_speech")[0]["text"].startswith("Your call is being recorded")
    hits = customer.wait_for("/stream-status", 2)
    assert [h.method for h in hits] == ["GET", "GET"] and hits[1].params["Event"] == "StopStream"
    assert 3 <= int(hits[1].params["Duration"]) <= 5  # streamTimeout, while the call was still up
    assert len(agent.audio["outbound"]) / 32000 <= 5
