"""Connecting people in the simulation: concurrent two-party bridges (<Dial>) and 10-member
conferences, on the real-time clock.

`--mode bridges`: N inbound calls, each dialling its own simulated phone (which answers after one
ring); the caller talks for `--hold` seconds, says goodbye and hangs up, which ends the bridge.
`--mode rooms`: N inbound calls joining rooms of `--members` (10) each; every member stays
`--hold` seconds, says a line (heard by the other nine) and hangs up. The customer app counts
the Dial `connected`/`hangup` and conference `enter`/`exit` callbacks and the hangups; the
highest number of parties connected at once is the concurrency reached. A call whose Duration
is well beyond its script is a late timer.

    .venv/bin/python bench/voice_rooms.py --mode bridges --calls 1000 --rate 40 --hold 30
    .venv/bin/python bench/voice_rooms.py --mode rooms --calls 1000 --rate 40 --hold 30
"""

import argparse
import asyncio
import json
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
from voice_ivr import drain  # noqa: E402


def customer_app(members: int) -> Any:
    stats: dict[str, Any] = {"connected": 0, "max_connected": 0, "hangups": 0, "causes": {}, "durations": [],
                             "events": 0}

    def reply(path: str, params: dict[str, str]) -> str:
        if path == "/dial":
            callee = "1650" + params["From"][-7:]
            return (f'<Response><Dial callbackUrl="/events"><Number>{callee}</Number></Dial></Response>')
        if path == "/room":
            room = int(params["From"][-7:]) // members
            return f'<Response><Conference callbackUrl="/events" stayAlone="true">room-{room}</Conference></Response>'
        if path in ("/events", "/hangup"):
            action = params.get("DialAction") or params.get("ConferenceAction")
            if action in ("connected", "enter"):
                stats["connected"] += 1
                stats["max_connected"] = max(stats["max_connected"], stats["connected"])
            elif action in ("hangup", "exit"):
                stats["connected"] -= 1
            stats["events"] += path == "/events"
            if path == "/hangup":
                stats["hangups"] += 1
                code = params.get("HangupCauseCode", "?")
                stats["causes"][code] = stats["causes"].get(code, 0) + 1
                stats["durations"].append(int(params.get("Duration", "0")))
        if path == "/stats":
            return json.dumps(stats)
        return ""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        text = reply(scope["path"], dict(parse_qsl(body.decode())))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/xml")]})
        await send({"type": "http.response.body", "body": text.encode()})

    return app


async def generate(args: argparse.Namespace, port: int, app_port: int) -> dict[str, Any]:
    import httpx

    app_base = f"http://127.0.0.1:{app_port}"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", auth=(AUTH_ID, AUTH_TOKEN), timeout=60,
                                 limits=httpx.Limits(max_connections=64)) as client:
        base = f"/v1/Account/{AUTH_ID}"
        path = "/dial" if args.mode == "bridges" else "/room"
        app = (await client.post(f"{base}/Application/", json={
            "app_name": "bench-rooms", "answer_url": app_base + path, "hangup_url": app_base + "/hangup"})).json()
        number = (await client.get(f"{base}/PhoneNumber/", params={"country_iso": "US", "limit": 1})).json()["objects"][0]["number"]
        assert (await client.post(f"{base}/PhoneNumber/{number}/", json={"app_id": app["app_id"]})).status_code == 201
        script = [{"wait": args.hold}, {"say": "Thank you, goodbye."}, {"hangup": True}]
        semaphore = asyncio.Semaphore(64)
        failures = 0
        started = time.monotonic()

        async def place(index: int) -> None:
            nonlocal failures
            async with semaphore:
                try:
                    response = await client.post("/_sim/calls", json={"from": f"1415{index:07d}", "to": number,
                                                                      "script": script})
                    failures += response.status_code != 201
                except httpx.HTTPError:
                    failures += 1

        tasks = []
        for index in range(args.calls):
            tasks.append(asyncio.create_task(place(index)))
            delay = started + (index + 1) / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.gather(*tasks)
        deadline = time.monotonic() + args.hold + 120
        stats: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                stats = (await client.get(app_base + "/stats")).json()
            except httpx.HTTPError:
                break
            if stats["hangups"] >= args.calls - failures:
                break
            await asyncio.sleep(0.5)
    durations = sorted(stats.get("durations") or [0])
    return {
        "mode": args.mode, "calls": args.calls, "rate": args.rate, "hold": args.hold, "api_failures": failures,
        "completed": stats.get("hangups", 0), "max_parties_connected": stats.get("max_connected", 0),
        "callbacks": stats.get("events", 0), "causes": stats.get("causes", {}),
        "duration_p50": durations[len(durations) // 2], "duration_max": durations[-1],
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("bridges", "rooms"), default="bridges")
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rate", type=float, default=40.0, help="new calls per second")
    parser.add_argument("--hold", type=float, default=30.0)
    parser.add_argument("--members", type=int, default=10, help="members per room (--mode rooms)")
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL instead of SQLite")
    parser.add_argument("--serve-app", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_app:
        import uvicorn

        uvicorn.run(customer_app(args.members), host="127.0.0.1", port=args.serve_app, log_level="warning",
                    access_log=False)
        return
    port, app_port = free_port(), free_port()
    app_process = subprocess.Popen([sys.executable, __file__, "--serve-app", str(app_port),
                                    "--members", str(args.members)])
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(args.postgres, data_dir, port, output=True)
        output: list[str] = []
        threading.Thread(target=drain, args=(server, output), daemon=True).start()
        try:
            time.sleep(0.5)
            result = asyncio.run(generate(args, port, app_port))
        finally:
            server.terminate()
            app_process.terminate()
            server.wait(timeout=60)
    result["database"] = "postgresql" if args.postgres else "sqlite"
    result["machine"] = machine()
    result["server_errors"] = [line for line in output if "ERROR" in line or "Traceback" in line or "Error" in line][-10:]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
