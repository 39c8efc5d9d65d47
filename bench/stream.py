"""Audio stream benchmark: N concurrent bidirectional ``<Stream>`` calls on one node.

Two processes on loopback: `switchboard serve` (SQLite, simulated network, real clock) and this
script, which is both the customer application (the answer URL, served as a plain HTTP GET by the
WebSocket server) and an echo agent (``websockets``): every inbound ``media`` frame is sent back
as ``playAudio``. Simulated callers talk for the whole call, so every stream carries speech both
ways. The agent measures, per stream, how late each frame arrives against a steady 20 ms
schedule from the stream's first frame (``late`` = more than 60 ms behind: jitter a playout
buffer would not hide), and the server's CPU is read from /proc.

    .venv/bin/python bench/stream.py --streams 100 --seconds 20
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AUTH_ID, AUTH_TOKEN, free_port, machine, start_server  # noqa: E402
from sip_calls import cpu_seconds  # noqa: E402

LATE = 0.06
SPEECH = "this is a simulated caller talking to a voice agent over an audio stream"


class Agent:
    def __init__(self) -> None:
        self.frames = 0
        self.late = 0
        self.worst = 0.0
        self.streams = 0
        self.live = 0
        self.errors = 0

    async def serve(self, connection: ServerConnection) -> None:
        self.streams += 1
        self.live += 1
        first: float | None = None
        count = 0
        try:
            async for text in connection:
                message = orjson.loads(text)
                if message["event"] != "media":
                    continue
                now = time.monotonic()
                if first is None:
                    first = now
                lag = now - (first + count * 0.02)
                count += 1
                self.frames += 1
                self.worst = max(self.worst, lag)
                if lag > LATE:
                    self.late += 1
                await connection.send(orjson.dumps({"event": "playAudio", "media": {
                    "contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": message["media"]["payload"]}}).decode())
        except Exception:
            self.errors += 1
        finally:
            self.live -= 1


def answer(url: str):  # type: ignore[no-untyped-def]
    document = (f'<Response><Stream bidirectional="true" keepCallAlive="true" '
                f'contentType="audio/x-mulaw;rate=8000">{url}</Stream></Response>').encode()

    def process_request(connection: ServerConnection, request: Request) -> Any:
        if request.path.startswith("/answer") or request.path.startswith("/hangup"):
            response = connection.respond(HTTPStatus.OK, document.decode() if request.path.startswith("/answer") else "")
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "application/xml"
            return response
        return None

    return process_request


async def run(args: argparse.Namespace, port: int, pid: int) -> dict[str, Any]:
    agent = Agent()
    agent_port = free_port()
    ws_url = f"ws://127.0.0.1:{agent_port}/agent"
    async with serve(agent.serve, "127.0.0.1", agent_port, process_request=answer(ws_url)), \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", auth=(AUTH_ID, AUTH_TOKEN), timeout=60) as client:
        base = f"/v1/Account/{AUTH_ID}"
        app = (await client.post(f"{base}/Application/", json={
            "app_name": "bench-stream", "answer_url": f"http://127.0.0.1:{agent_port}/answer", "answer_method": "GET",
            "hangup_url": f"http://127.0.0.1:{agent_port}/hangup", "hangup_method": "GET"})).json()
        number = (await client.get(f"{base}/PhoneNumber/", params={"country_iso": "US", "limit": 1})).json()["objects"][0]["number"]
        assert (await client.post(f"{base}/PhoneNumber/{number}/", json={"app_id": app["app_id"]})).status_code == 201
        script = [{"say": SPEECH}, {"wait": 0.5}] * int(args.seconds / 5 + 1) + [{"hangup": True}]
        script = [{"wait": 1}] + script
        for index in range(args.streams):
            response = await client.post("/_sim/calls", json={"from": f"1415{index:07d}", "to": number, "script": script})
            assert response.status_code == 201, response.text
        while agent.live < args.streams and agent.streams < args.streams:
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # all streams up and rendering
        frames, late, cpu, started = agent.frames, agent.late, cpu_seconds(pid), time.monotonic()
        agent.worst = 0.0
        await asyncio.sleep(args.seconds)
        window = time.monotonic() - started
        used = cpu_seconds(pid) - cpu
        measured_frames, measured_late, worst = agent.frames - frames, agent.late - late, agent.worst
    return {"streams": args.streams, "live_at_start": agent.streams, "seconds": round(window, 1),
            "frames": measured_frames, "expected_frames": int(args.streams * window / 0.02),
            "late_frames": measured_late, "worst_lag_ms": round(worst * 1000, 1),
            "server_cpu_percent": round(100 * used / window, 1),
            "cpu_ms_per_stream_second": round(1000 * used / window / args.streams, 2), "agent_errors": agent.errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(None, data_dir, port)
        try:
            result = asyncio.run(run(args, port, server.pid))
            print(machine())
            print(json.dumps(result, indent=2))
        finally:
            server.kill()  # the calls are still up; the measurement is over
            server.wait(30)


if __name__ == "__main__":
    main()
