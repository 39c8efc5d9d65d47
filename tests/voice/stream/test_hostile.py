"""What an application server may do wrong: refuse the connection, never answer the upgrade, send
what is not the protocol, flood, drop the connection. The call goes on (or the next element runs),
each problem is in the debug log, nothing grows without bound."""

import base64
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from switchboard.voice.stream import player, session
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import inbound
from tests.voice.stream.raw import RawServer, read_until


def stream_xml(url: str, customer: CustomerApp, **attributes: str) -> str:
    attrs = " ".join(f'{key}="{value}"' for key, value in attributes.items())
    return (f'<Response><Stream {attrs} statusCallbackUrl="{customer.url("/stream-status")}">{url}</Stream>'
            '<Speak>After the stream.</Speak></Response>')


def problems(sim: Sim, needle: str, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        objects = sim.http.get(f"/v1/Account/{sim.account.auth_id}/WebhookLog/",
                               params={"errors": "true", "limit": 20}).json()["objects"]
        found = [o["error"] for o in objects if needle in o["error"]]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture
def quick_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connection attempts time out after 0.3 s and retry after 0.1 s (the server runs in this process)."""
    monkeypatch.setattr(session, "CONNECT_TIMEOUT", 0.3)
    monkeypatch.setattr(session, "RETRY_DELAY", 0.1)


def test_a_refused_connection_is_retried_twice_then_dropped_and_the_document_goes_on(
        sim: Sim, customer: CustomerApp, quick_connect: None) -> None:
    customer.route("/stream-status", "")
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nothing listens here
    inbound(sim, customer, "14155558831", stream_xml(f"ws://127.0.0.1:{port}/agent", customer, keepCallAlive="true"), [])
    customer.wait_for("/hangup")
    assert kinds(sim.log("14155558831"), "heard_speech")[0]["text"] == "After the stream."
    [dropped] = customer.wait_for("/stream-status")
    assert dropped.params["Event"] == "DroppedStream" and dropped.params["StatusReason"] == "connection_failed"
    assert len(problems(sim, "attempt 3 of 3")) == 1 and problems(sim, "attempt 1 of 3")


def test_a_server_that_never_answers_the_upgrade_times_out(sim: Sim, customer: CustomerApp, quick_connect: None) -> None:
    customer.route("/stream-status", "")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts TCP, never says a word
        url = f"ws://127.0.0.1:{silent.getsockname()[1]}/agent"
        inbound(sim, customer, "14155558832", stream_xml(url, customer, keepCallAlive="true"), [])
        customer.wait_for("/hangup")
    assert customer.wait_for("/stream-status")[0].params["Event"] == "DroppedStream"
    assert any("TimeoutError" in p for p in problems(sim, "attempt 3 of 3"))


@pytest.fixture
def raw_server() -> Iterator[list[RawServer]]:
    servers: list[RawServer] = []
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def mulaw_message(seconds: float, **extra: Any) -> str:
    payload = base64.b64encode(b"\x7f" * int(8000 * seconds)).decode()  # µ-law near-silence
    return json.dumps({"event": "playAudio", "media": {"contentType": "audio/x-mulaw", "sampleRate": "8000",
                                                       "payload": payload}, **extra})


def test_protocol_mistakes_are_logged_and_the_stream_goes_on(sim: Sim, customer: CustomerApp,
                                                             raw_server: list[RawServer]) -> None:
    customer.route("/stream-status", "")
    seen: list[Any] = []

    async def behaviour(connection: Any) -> None:
        start = await read_until(connection, "start", seen)
        stream_id = start["start"]["streamId"]
        for bad in ("this is not json", "[1, 2]", json.dumps({"event": "dance"}),
                    json.dumps({"event": "playAudio", "media": {"contentType": "audio/x-mulaw", "sampleRate": 8000,
                                                                "payload": "%%% not base64 %%%"}}),
                    json.dumps({"event": "playAudio", "media": {"contentType": "audio/wav", "sampleRate": 8000,
                                                                "payload": "AAAA"}}),
                    mulaw_message(9.0),  # > 64 KB as one message: refused
                    json.dumps({"event": "sendDTMF", "dtmf": "12x"})):
            await connection.send(bad)
        await connection.send(b"\x00\x01binary")
        await connection.send(mulaw_message(0.5, streamId=stream_id))  # extra keys are fine
        await connection.send(json.dumps({"event": "checkpoint", "streamId": stream_id, "name": "after-mistakes"}))
        await read_until(connection, "playedStream", seen)
        await connection.close()

    server = RawServer(behaviour)
    raw_server.append(server)
    inbound(sim, customer, "14155558833", stream_xml(server.url, customer, keepCallAlive="true", bidirectional="true"),
            [{"wait": 20}])
    customer.wait_for("/hangup")
    assert seen[-1] == {"event": "playedStream", "sequenceNumber": seen[-1]["sequenceNumber"],
                        "streamId": seen[0]["start"]["streamId"], "name": "after-mistakes"}
    assert kinds(sim.log("14155558833"), "heard_speech")[0]["text"] == "After the stream."  # closed: next element
    for needle in ("not JSON", "must be a JSON object", "unknown event 'dance'", "not base64", "audio/wav",
                   "over the 65536-byte limit", "sendDTMF needs", "binary frames"):
        assert problems(sim, needle), needle
    assert [h.params["Event"] for h in customer.wait_for("/stream-status", 2)] == ["StartStream", "StopStream"]


def test_a_flood_of_audio_is_bounded_by_the_playback_queue(sim: Sim, customer: CustomerApp,
                                                           raw_server: list[RawServer]) -> None:
    customer.route("/stream-status", "")
    seen: list[Any] = []

    async def behaviour(connection: Any) -> None:
        await read_until(connection, "start", seen)
        for _ in range(40):  # 40 × 5 s, all at once: far more than the 60 s the queue holds
            await connection.send(mulaw_message(5.0))
        await connection.send(json.dumps({"event": "clearAudio"}))
        await read_until(connection, "clearedAudio", seen)
        await connection.close()

    server = RawServer(behaviour)
    raw_server.append(server)
    inbound(sim, customer, "14155558834", stream_xml(server.url, customer, keepCallAlive="true", bidirectional="true"),
            [{"wait": 20}])
    customer.wait_for("/hangup")
    refused = problems(sim, "playAudio refused")
    assert refused and "at most 60 s" in refused[0]
    heard = [e for e in kinds(sim.log("14155558834"), "heard_audio") if e.get("source") == "stream"]
    assert heard and all(e["seconds"] <= player.MAX_QUEUED_SECONDS for e in heard)


def test_a_connection_dropped_mid_call_is_a_dropped_stream(sim: Sim, customer: CustomerApp,
                                                           raw_server: list[RawServer]) -> None:
    customer.route("/stream-status", "")

    async def behaviour(connection: Any) -> None:
        await read_until(connection, "media", [])
        connection.transport.abort()  # no close frame: the TCP connection just goes

    server = RawServer(behaviour)
    raw_server.append(server)
    inbound(sim, customer, "14155558835", stream_xml(server.url, customer, keepCallAlive="true"), [{"wait": 20}])
    customer.wait_for("/hangup")
    assert kinds(sim.log("14155558835"), "heard_speech")[0]["text"] == "After the stream."
    events = customer.wait_for("/stream-status", 2)
    assert [h.params["Event"] for h in events] == ["StartStream", "DroppedStream"]
    assert events[1].params["StatusReason"] == "disconnected"
    assert problems(sim, "broke")
