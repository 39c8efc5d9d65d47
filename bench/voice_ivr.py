"""Voice IVR benchmark: N concurrent simulated inbound calls, each running a Speak + GetDigits +
Redirect + Hangup IVR against a local customer app, on the real-time clock.

Three processes on loopback: `switchboard serve`, the customer app (uvicorn, answering with Plivo
XML and counting callbacks), and this load generator placing calls through `POST /_sim/calls`.
Each simulated caller listens to the menu for `--hold` seconds, presses 1, hears "Connecting you
to sales." after a Redirect, then "Goodbye." and a Hangup. A call whose `Duration` in the hangup
callback is longer than its script allows is a missed timer.

    .venv/bin/python bench/voice_ivr.py --calls 5000 --rate 120 --hold 45 [--postgres URL]

``--instructions N`` instead counts the server's CPU instructions per call, which the machine's
load does not change: `switchboard serve` (SQLite, virtual clock) runs under valgrind's callgrind
with instrumentation off until one warm-up call has ended, then N calls run and the count is read.

    .venv/bin/python bench/voice_ivr.py --instructions 60
"""

import argparse
import asyncio
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AUTH_ID, AUTH_TOKEN, free_port, machine, start_server  # noqa: E402
from sip_calls import cpu_seconds  # noqa: E402

MENU = ("Welcome to Acme. For sales press 1. For support press 2. For billing press 3. "
        "To hear these options again, stay on the line. ")


# --- the customer app (run with --serve-app) ------------------------------------------------------

class Stats:
    def __init__(self) -> None:
        self.live = 0
        self.max_live = 0
        self.answers = 0
        self.hangups = 0
        self.causes: dict[str, int] = {}
        self.durations: list[int] = []
        self.requests = 0


def customer_app(stats: Stats) -> Any:
    documents = {
        "/answer": ('<Response><GetDigits action="/menu" numDigits="1" timeout="10">'
                    f"<Speak loop=\"0\">{MENU}</Speak></GetDigits><Speak>Goodbye.</Speak></Response>"),
        "/menu": "<Response><Speak>Connecting you to sales.</Speak><Redirect>/done</Redirect></Response>",
        "/done": "<Response><Speak>Goodbye.</Speak><Hangup/></Response>",
    }

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        stats.requests += 1
        reply = documents.get(path, "")
        if path == "/answer":
            stats.answers += 1
            stats.live += 1
            stats.max_live = max(stats.max_live, stats.live)
        elif path == "/hangup":
            params = dict(parse_qsl(body.decode()))
            stats.hangups += 1
            stats.live -= 1
            code = params.get("HangupCauseCode", "?")
            stats.causes[code] = stats.causes.get(code, 0) + 1
            stats.durations.append(int(params.get("Duration", "0")))
        elif path == "/stats":
            reply = json.dumps(stats.__dict__)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/xml")]})
        await send({"type": "http.response.body", "body": reply.encode()})

    return app


def serve_app(port: int) -> None:
    import uvicorn

    uvicorn.run(customer_app(Stats()), host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- the load generator ----------------------------------------------------------------------------

async def setup(client: Any, app_base: str) -> str:
    base = f"/v1/Account/{AUTH_ID}"
    app = (await client.post(f"{base}/Application/", json={
        "app_name": "bench-ivr", "answer_url": f"{app_base}/answer", "hangup_url": f"{app_base}/hangup",
    })).json()
    found = (await client.get(f"{base}/PhoneNumber/", params={"country_iso": "US", "limit": 1})).json()
    number = found["objects"][0]["number"]
    bought = await client.post(f"{base}/PhoneNumber/{number}/", json={"app_id": app["app_id"]})
    assert bought.status_code == 201, bought.text
    return number


async def generate(args: argparse.Namespace, port: int, app_port: int) -> dict[str, Any]:
    import httpx

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", auth=(AUTH_ID, AUTH_TOKEN), limits=limits,
                                 timeout=60) as client, httpx.AsyncClient(timeout=10) as app_client:
        number = await setup(client, f"http://127.0.0.1:{app_port}")
        script = [{"wait": args.hold}, {"press": "1"}]
        failures = 0
        started = time.monotonic()
        semaphore = asyncio.Semaphore(64)

        async def place(index: int) -> None:
            nonlocal failures
            async with semaphore:
                caller = f"1415{index:07d}"
                response = await client.post("/_sim/calls", json={"from": caller, "to": number, "script": script})
                if response.status_code != 201:
                    failures += 1

        tasks = []
        for index in range(args.calls):
            tasks.append(asyncio.create_task(place(index)))
            delay = started + (index + 1) / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.gather(*tasks)
        placed_in = time.monotonic() - started
        deadline = time.monotonic() + args.hold + 120
        stats: dict[str, Any] = {}
        while time.monotonic() < deadline:
            stats = (await app_client.get(f"http://127.0.0.1:{app_port}/stats")).json()
            if stats["hangups"] >= args.calls - failures:
                break
            await asyncio.sleep(0.5)
        total = time.monotonic() - started
    durations = sorted(stats.get("durations", [])) or [0]
    return {
        "calls": args.calls, "placed": args.calls - failures, "api_failures": failures,
        "placing_rate": round(args.calls / placed_in, 1), "completed": stats.get("hangups", 0),
        "completed_rate": round(stats.get("hangups", 0) / total, 1), "max_concurrent": stats.get("max_live", 0),
        "causes": stats.get("causes", {}), "duration_min": durations[0],
        "duration_p50": durations[len(durations) // 2], "duration_p99": durations[min(len(durations) - 1, math.ceil(len(durations) * 0.99) - 1)],
        "duration_max": durations[-1], "app_requests": stats.get("requests", 0), "seconds": round(total, 1),
    }


def expected_duration(hold: float) -> int:
    from switchboard.network.sim.speech import dtmf_seconds, speech_seconds

    return math.ceil(hold + dtmf_seconds("1") + speech_seconds("Connecting you to sales.") + speech_seconds("Goodbye."))


def drain(process: subprocess.Popen, lines: list[str]) -> None:
    """Keep reading the server's output (a full pipe would stall it), keeping its last lines."""
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
        del lines[:-200]


async def counted_calls(port: int, app_port: int, calls: int, pid: int) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", auth=(AUTH_ID, AUTH_TOKEN), timeout=600) as client, \
            httpx.AsyncClient(timeout=60) as app_client:
        number = await setup(client, f"http://127.0.0.1:{app_port}")

        async def call(index: int) -> None:
            response = await client.post("/_sim/calls", json={"from": f"1415{index:07d}", "to": number,
                                                               "script": [{"wait": 10}, {"press": "1"}]})
            assert response.status_code == 201, response.text

        async def ended(count: int) -> dict[str, Any]:
            while (stats := (await app_client.get(f"http://127.0.0.1:{app_port}/stats")).json())["hangups"] < count:
                await asyncio.sleep(1)
            return stats

        await call(0)  # first use: lazy imports, compiled statements, prompt cache
        await ended(1)
        subprocess.run(["callgrind_control", "--instr=on", str(pid)], check=True, capture_output=True)
        await asyncio.gather(*(call(index) for index in range(1, calls + 1)))
        stats = await ended(calls + 1)
        subprocess.run(["callgrind_control", "--dump", str(pid)], check=True, capture_output=True)
        return stats


def instructions(calls: int) -> None:
    """Instructions per call of the server (all its threads), from callgrind's dump."""
    port, app_port = free_port(), free_port()
    app_process = subprocess.Popen([sys.executable, __file__, "--serve-app", str(app_port)])
    with tempfile.TemporaryDirectory() as data_dir:
        out = Path(data_dir) / "callgrind.out"
        env = {**os.environ, "SWITCHBOARD_AUTH_ID": AUTH_ID, "SWITCHBOARD_AUTH_TOKEN": AUTH_TOKEN}
        server = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                                   sys.executable, str(Path(sys.executable).parent / "switchboard"), "serve", "--port",
                                   str(port), "--data-dir", data_dir, "--log-level", "warning", "--clock", "virtual"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            import httpx

            for _ in range(1800):  # start-up runs on valgrind's slow path: minutes
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/v1/Account/{AUTH_ID}/", auth=(AUTH_ID, AUTH_TOKEN)).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(1)
            stats = asyncio.run(counted_calls(port, app_port, calls, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=300)
            app_process.terminate()
        dump = next(path for path in Path(data_dir).glob("callgrind.out*") if "Trigger: dump" in path.read_text()[:2000])
        total = int(re.search(r"^summary: (\d+)", dump.read_text(), re.M).group(1))  # type: ignore[union-attr]
    print(json.dumps({"calls": calls, "causes": stats["causes"], "instructions_per_call": round(total / calls),
                      "machine": machine()}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="new calls per second")
    parser.add_argument("--hold", type=float, default=20.0, help="seconds each caller listens before pressing 1")
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL instead of SQLite")
    parser.add_argument("--serve-app", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--instructions", type=int, default=0, metavar="N",
                        help="count the server's instructions per call over N calls (valgrind callgrind)")
    args = parser.parse_args()
    if args.serve_app:
        serve_app(args.serve_app)
        return
    if args.instructions:
        instructions(args.instructions)
        return
    port, app_port = free_port(), free_port()
    app_process = subprocess.Popen([sys.executable, __file__, "--serve-app", str(app_port)])
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(args.postgres, data_dir, port, output=True)
        output: list[str] = []
        threading.Thread(target=drain, args=(server, output), daemon=True).start()
        try:
            time.sleep(0.5)
            cpu_before, load_before = cpu_seconds(server.pid), os.getloadavg()[0]
            result = asyncio.run(generate(args, port, app_port))
            result["server_cpu_ms_per_call"] = round(1000 * (cpu_seconds(server.pid) - cpu_before) / max(1, result["completed"]), 1)
            result["load_average"] = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
        finally:
            server.terminate()
            app_process.terminate()
            server.wait(timeout=60)
    result["expected_duration"] = expected_duration(args.hold)
    result["late_calls"] = "see duration_max vs expected_duration"
    result["database"] = "postgresql" if args.postgres else "sqlite"
    result["machine"] = machine()
    result["server_errors"] = [line for line in output if "ERROR" in line or "Traceback" in line][-10:]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
