"""Audio stream benchmark: N concurrent bidirectional ``<Stream>`` calls on one node.

`switchboard serve` (SQLite, simulated network, real clock) on loopback; this script serves the
answer URL (a plain HTTP GET answered by the WebSocket server) and starts ``--agents`` echo-agent
processes (``websockets`` on uvloop), the streams spread over them, so that the agent is not what
is measured: every inbound ``media`` frame is sent back as ``playAudio``. Simulated callers talk
for the whole call, so every stream carries speech both ways. Per stream the agent measures how
late each frame arrives against a steady 20 ms schedule from the stream's first frame (``late``
= more than 60 ms behind: jitter a playout buffer would not hide), and once a second the added
latency: the frame's ``timestamp`` (when the caller's 20 ms of audio began) to the agent
receiving it (``uplink``), and to the server reporting the echo of that frame played to the
caller (a ``checkpoint`` after its ``playAudio``, answered by ``playedStream``), less the frame's
own 20 ms (``round trip``). The server's CPU is read from /proc, per stream-second and per second
of audio the agents actually received (``carried``: the fairer figure when the machine is loaded
and frames fall behind).

    .venv/bin/python bench/stream.py --streams 100 --seconds 20 --agents 2
"""

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvloop
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AUTH_ID, AUTH_TOKEN, free_port, machine, start_server  # noqa: E402
from sip_calls import cpu_seconds  # noqa: E402

LATE = 0.06
SPEECH = "this is a simulated caller talking to a voice agent over an audio stream"
# Shared counters of one agent process (a multiprocessing.Array of doubles).
FRAMES, LATE_FRAMES, WORST, STREAMS, LIVE, ERRORS, MEASURING = range(7)


class Agent:
    """One echo-agent process's server; its counters live in ``shared`` for the main process."""

    def __init__(self, shared: Any) -> None:
        self.shared = shared
        self.uplink: list[float] = []
        self.round_trip: list[float] = []

    async def serve(self, connection: ServerConnection) -> None:
        shared = self.shared
        shared[STREAMS] += 1
        shared[LIVE] += 1
        first: float | None = None
        count = 0
        try:
            async for text in connection:
                message = orjson.loads(text)
                event = message["event"]
                if event == "playedStream":
                    if shared[MEASURING] == 1:
                        self.round_trip.append(time.time() - int(message["name"]) / 1000 - 0.02)
                    continue
                if event != "media":
                    continue
                now = time.monotonic()
                if first is None:
                    first = now
                lag = now - (first + count * 0.02)
                count += 1
                shared[FRAMES] += 1
                if lag > shared[WORST]:
                    shared[WORST] = lag
                if lag > LATE:
                    shared[LATE_FRAMES] += 1
                media = message["media"]
                await connection.send(orjson.dumps({"event": "playAudio", "media": {
                    "contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": media["payload"]}}).decode())
                if count % 50 == 0:
                    if shared[MEASURING] == 1:
                        self.uplink.append(time.time() - int(media["timestamp"]) / 1000 - 0.02)
                    await connection.send(orjson.dumps({"event": "checkpoint", "name": media["timestamp"]}).decode())
        except Exception:
            shared[ERRORS] += 1
        finally:
            shared[LIVE] -= 1


def agent_process(port: int, shared: Any, results: Any) -> None:
    async def agent_main() -> None:
        agent = Agent(shared)
        async with serve(agent.serve, "127.0.0.1", port, compression=None):
            while shared[MEASURING] != 2:
                await asyncio.sleep(0.1)
            results.put((agent.uplink, agent.round_trip))

    uvloop.run(agent_main())


def answer(urls: list[str]):  # type: ignore[no-untyped-def]
    """The answer URL: each call's ``<Stream>`` goes to the next agent process in turn."""
    documents = [(f'<Response><Stream bidirectional="true" keepCallAlive="true" '
                  f'contentType="audio/x-mulaw;rate=8000">{url}</Stream></Response>') for url in urls]
    answered = 0

    def process_request(connection: ServerConnection, request: Request) -> Any:
        nonlocal answered
        if request.path.startswith("/answer") or request.path.startswith("/hangup"):
            body = ""
            if request.path.startswith("/answer"):
                body = documents[answered % len(documents)]
                answered += 1
            response = connection.respond(HTTPStatus.OK, body)
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "application/xml"
            return response
        return None

    return process_request


def total(shared: list[Any], field: int) -> float:
    return sum(counters[field] for counters in shared)


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


async def run(args: argparse.Namespace, port: int, pid: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    shared = [context.Array("d", 7, lock=False) for _ in range(args.agents)]
    ports = [free_port() for _ in range(args.agents)]
    agents = [context.Process(target=agent_process, args=(agent_port, counters, results), daemon=True)
              for agent_port, counters in zip(ports, shared)]
    for process in agents:
        process.start()
    answer_port = free_port()
    urls = [f"ws://127.0.0.1:{agent_port}/agent" for agent_port in ports]
    await asyncio.sleep(1.5)  # the agents listening
    async with serve(lambda connection: connection.wait_closed(), "127.0.0.1", answer_port, process_request=answer(urls)), \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", auth=(AUTH_ID, AUTH_TOKEN), timeout=60) as client:
        base = f"/v1/Account/{AUTH_ID}"
        app = (await client.post(f"{base}/Application/", json={
            "app_name": "bench-stream", "answer_url": f"http://127.0.0.1:{answer_port}/answer", "answer_method": "GET",
            "hangup_url": f"http://127.0.0.1:{answer_port}/hangup", "hangup_method": "GET"})).json()
        number = (await client.get(f"{base}/PhoneNumber/", params={"country_iso": "US", "limit": 1})).json()["objects"][0]["number"]
        assert (await client.post(f"{base}/PhoneNumber/{number}/", json={"app_id": app["app_id"]})).status_code == 201
        script = [{"say": SPEECH}, {"wait": 0.5}] * int(args.seconds / 5 + 4) + [{"hangup": True}]
        script = [{"wait": 1}] + script
        for index in range(args.streams):
            response = await client.post("/_sim/calls", json={"from": f"1415{index:07d}", "to": number, "script": script})
            assert response.status_code == 201, response.text
        while total(shared, LIVE) < args.streams and total(shared, STREAMS) < args.streams:
            await asyncio.sleep(0.1)
        await asyncio.sleep(3)  # all streams up and rendering
        for counters in shared:
            counters[WORST] = 0.0
            counters[MEASURING] = 1
        frames, late, cpu, started = total(shared, FRAMES), total(shared, LATE_FRAMES), cpu_seconds(pid), time.monotonic()
        profiler = None
        if args.profile:  # py-spy (not a dependency of the project) samples the server over the window
            profiler = await asyncio.create_subprocess_exec(
                "py-spy", "record", "-p", str(pid), "-d", str(int(args.seconds)), "-r", "200", "-f", "raw",
                "-o", args.profile, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        await asyncio.sleep(args.seconds)
        if profiler is not None:
            await profiler.wait()
        window = time.monotonic() - started
        used = cpu_seconds(pid) - cpu
        measured_frames, measured_late = total(shared, FRAMES) - frames, total(shared, LATE_FRAMES) - late
        worst = max(counters[WORST] for counters in shared)
        errors = total(shared, ERRORS)  # before the agents stop (closing their sockets is no error)
        for counters in shared:
            counters[MEASURING] = 2
        uplink: list[float] = []
        round_trip: list[float] = []
        for _ in agents:
            up, trip = await asyncio.to_thread(results.get, True, 30)
            uplink += up
            round_trip += trip
        for process in agents:
            process.join(5)
    return {"streams": args.streams, "agents": args.agents, "live_at_start": int(total(shared, STREAMS)),
            "seconds": round(window, 1), "frames": int(measured_frames),
            "expected_frames": int(args.streams * window / 0.02),
            "late_frames": int(measured_late), "worst_lag_ms": round(worst * 1000, 1),
            "uplink_ms_p50_p99": [percentile(uplink, 0.5), percentile(uplink, 0.99)],
            "round_trip_ms_p50_p99": [percentile(round_trip, 0.5), percentile(round_trip, 0.99)],
            "round_trip_samples": len(round_trip),
            "server_cpu_percent": round(100 * used / window, 1),
            "cpu_ms_per_stream_second": round(1000 * used / window / args.streams, 2),
            "cpu_ms_per_carried_second": round(1000 * used / max(1.0, measured_frames * 0.02), 2),
            "agent_errors": int(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--agents", type=int, default=2, help="echo-agent processes")
    parser.add_argument("--profile", help="write py-spy's raw samples of the server over the window here")
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
