"""SIP benchmark: sipp calls a number of an incoming carrier on `switchboard serve --sip-listen`.

1. Call set-up rate: calls/s at which every call succeeds (INVITE, 200, ACK, RFC 4733 digit,
   BYE with its 200 checked by CSeq), each call running a Speak + GetDigits application.
2. Concurrent IVR calls: callers stay on the line while the prompt plays and press 1; the
   figure is the number of simultaneous calls with zero failed calls and every digit decoded
   (counted from the GetDigits action requests the application receives).

Usage: .venv/bin/python bench/sip_calls.py [--rates 50,100,150] [--concurrent 100,200,300] [--postgres URL|'']
       .venv/bin/python bench/sip_calls.py --in-process --calls 420 --rate 15 --hold 26

``--in-process`` runs the server in this process (as the tests do) so that it can also report
what the server saw: digits decoded by the RTP layer, peak concurrent dialogs, and the lateness
of the 20 ms RTP ticker. It also verifies the audio on a sample (``--sample N``): while sipp's
calls are up, N baresip phones call the same number, press 1 with RFC 4733 and record what they
receive; pocketsphinx (a grammar of the application's prompts) must hear the welcome prompt and
the "thank you" that follows the digit.
"""

import argparse
import asyncio
import gc
import logging
import os
import re
import subprocess
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import httpx

from common import AUTH_ID, AUTH_TOKEN, add_postgres_option, backends, free_port, machine, start_server, throwaway_database

HERE = Path(__file__).resolve().parent
NUMBER = "442071230000"


class App:
    """The customer's IVR: a prompt inside GetDigits, then a goodbye and a long Wait (the caller
    hangs up). Counts answer requests and the digits each action request carried."""

    def __init__(self) -> None:
        self.answers = 0
        self.digits: dict[str, int] = {}
        self.lock = threading.Lock()
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode()))
                with app.lock:
                    if self.path == "/answer":
                        app.answers += 1
                    elif self.path == "/digits":
                        app.digits[params.get("Digits", "")] = app.digits.get(params.get("Digits", ""), 0) + 1
                body = app.xml(self.path).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # the default 5 drops SYNs in a burst: 1-3 s connects, 7011 failures

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # the server closing an idle keep-alive connection is not news

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def xml(self, path: str) -> str:
        if path == "/answer":
            return (f'<Response><GetDigits action="{self.url}/digits" numDigits="1" timeout="20">'
                    "<Speak>Welcome to the benchmark line. Press one.</Speak></GetDigits></Response>")
        if path == "/digits":
            return '<Response><Speak>Thank you.</Speak><Wait length="300"/></Response>'
        return "<Response/>"

    def reset(self) -> None:
        with self.lock:
            self.answers, self.digits = 0, {}


def provision(base: str, app: App) -> None:
    auth = (AUTH_ID, AUTH_TOKEN)
    root = f"{base}/v1/Account/{AUTH_ID}"
    with httpx.Client(auth=auth, timeout=10) as http:
        carrier = http.post(f"{root}/IncomingCarrier/", json={"name": "sipp", "ip_set": "127.0.0.1"}).json()["carrier_id"]
        app_id = http.post(f"{root}/Application/", json={"app_name": "ivr", "answer_url": f"{app.url}/answer",
                                                         "answer_method": "POST"}).json()["app_id"]
        response = http.post(f"{root}/Number/", json={"numbers": NUMBER, "carrier": carrier, "region": "bench",
                                                      "number_type": "local", "app_id": app_id})
        assert response.status_code == 202, response.text


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_sipp(sip_port: int, rate: float, calls: int, hold_ms: int, limit: int) -> tuple[int, int, str]:
    scenario = Path(tempfile.mkstemp(suffix=".xml")[1])
    scenario.write_text((HERE / "sip" / "uac_ivr.xml").read_text().replace("HOLD_MS", str(hold_ms)))
    command = ["sipp", f"127.0.0.1:{sip_port}", "-sf", str(scenario), "-s", NUMBER, "-i", "127.0.0.1", "-mi", "127.0.0.1",
               "-p", str(free_port()), "-mp", str(free_port() & ~1), "-r", str(rate), "-m", str(calls), "-l", str(limit),
               "-nostdin", "-timeout", f"{int(calls / rate + hold_ms / 1000 + 60)}s", "-max_socket", "5000"]
    run = subprocess.run(command, capture_output=True, text=True)
    successful = re.search(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", run.stdout)
    failed = re.search(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", run.stdout)
    scenario.unlink()
    problems = [line for line in run.stderr.splitlines() if "pcap" not in line and "pkt" not in line
                and "base port" not in line and "Resolving" not in line]
    return (int(successful.group(1)) if successful else 0, int(failed.group(1)) if failed else calls,
            " | ".join(problems)[-300:])


class SlowCallbacks(logging.Handler):
    """Counts asyncio's debug-mode reports of callbacks that held the event loop too long."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: Counter[str] = Counter()
        self.worst: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        found = re.match(r"Executing (.*) took ([0-9.]+) seconds", record.getMessage())
        if found:
            what = re.sub(r"0x[0-9a-f]+|\d+", "#", found.group(1))[:150]
            self.seen[what] += 1
            self.worst[what] = max(self.worst.get(what, 0.0), float(found.group(2)))


class GcPauses:
    """How long the garbage collector stopped the process, by generation (a full collection of a
    heap with thousands of live calls holds the event loop like any slow callback): the CPU time
    of each collection (what it costs) and its wall time (what the loop saw, stretched when the
    process loses its core)."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[tuple[float, float]]] = {0: [], 1: [], 2: []}
        self._started = (0.0, 0.0)
        gc.callbacks.append(self._event)

    def _event(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = (time.thread_time(), time.perf_counter())
        else:
            cpu, wall = self._started
            self.pauses[info["generation"]].append(((time.thread_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000))

    def report(self) -> str:
        gc.callbacks.remove(self._event)
        return ", ".join(f"gen{generation} x{len(times)} max {max((c for c, _ in times), default=0):.0f} ms CPU / "
                         f"{max((w for _, w in times), default=0):.0f} ms wall" for generation, times in self.pauses.items())


PROMPTS = ("welcome to the benchmark line", "press one", "thank you")


def audio_sample(sip_port: int, count: int, after: float, directory: Path) -> list[str]:
    """``count`` baresip callers, ``after`` seconds from now (while the load is at its peak): each
    calls the number, presses 1 once the prompt has played, and reports which prompts pocketsphinx
    heard in its recording of the call."""
    from tests.network.sip.peers import Baresip
    from tests.voice.behaviour.heard import from_audio, read_wav

    time.sleep(after)
    phones = [Baresip(directory / f"sample{index}", sip_port, f"sample{index}", "unused", regint=0) for index in range(count)]
    try:
        for phone in phones:
            phone.listen()
            phone.command("dial", f"sip:{NUMBER}@127.0.0.1:{sip_port}")
        for phone in phones:
            phone.wait_event("CALL_ESTABLISHED", timeout=30)
        time.sleep(4.0)  # "Welcome to the benchmark line. Press one."
        for phone in phones:
            phone.command("sndcode", "1")
        time.sleep(3.0)  # "Thank you."
    finally:
        for phone in phones:
            phone.stop()
    heard = []
    for phone in phones:
        dumps = phone.heard()
        pcm = read_wav(dumps[0]) if dumps else None
        heard.append(", ".join(from_audio(pcm, [], "", PROMPTS).said(*PROMPTS)) if pcm is not None else "no audio")
    return heard


def in_process(calls: int, rate: float, hold: int, slow_ms: float, sample_calls: int) -> None:
    """One sipp run against a server in this process, with the server's own counters."""
    import sys

    sys.path.insert(0, str(HERE.parent))
    os.environ["SWITCHBOARD_AUTH_ID"], os.environ["SWITCHBOARD_AUTH_TOKEN"] = AUTH_ID, AUTH_TOKEN
    from tests.helpers import LiveServer

    app = App()
    with tempfile.TemporaryDirectory() as data:
        sip_port = free_port()
        live = LiveServer(f"sqlite+aiosqlite:///{data}/db.sqlite", data_dir=Path(data), sip_listen=f"127.0.0.1:{sip_port}",
                          auth_id=AUTH_ID, auth_token=AUTH_TOKEN)
        live.start()
        try:
            provision(live.base_url, app)
            peak, done = [0], threading.Event()

            async def dialogs(server_app: object) -> int:
                return len(server_app.state.sip.dialogs)  # type: ignore[attr-defined]

            def sample() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], live.call(dialogs))
                    time.sleep(0.5)

            slow = SlowCallbacks()
            if slow_ms:
                async def debug(server_app: object) -> None:
                    loop = asyncio.get_running_loop()
                    loop.set_debug(True)
                    loop.slow_callback_duration = slow_ms / 1000

                logging.getLogger("asyncio").addHandler(slow)
                live.call(debug)
            threading.Thread(target=sample, daemon=True).start()
            verdicts: list[str] = []
            if sample_calls:
                peak_at = calls / rate * 0.8  # most callers are on the line then
                sampler = threading.Thread(target=lambda: verdicts.extend(
                    audio_sample(sip_port, sample_calls, peak_at, Path(data))), daemon=True)
                sampler.start()
            load_before, gc_pauses = os.getloadavg()[0], GcPauses()
            ok, failed, err = run_sipp(sip_port, rate, calls, hold * 1000, calls + 10)
            if sample_calls:
                sampler.join(timeout=120)
            collector = gc_pauses.report()
            done.set()

            async def counters(server_app: object) -> tuple[dict[str, int], list[float], list[float]]:
                stack = server_app.state.sip  # type: ignore[attr-defined]
                return dict(stack.stats), sorted(stack.pacer.late_ms), sorted(stack.pacer.tick_ms)

            stats, late, ticks = live.call(counters)
        finally:
            live.stop()
    print(f"{calls} calls at {rate:.0f}/s, held {hold}s: {ok} ok, {failed} failed; peak concurrent {peak[0]}; "
          f"digits decoded by the server {stats.get('digits_in', 0)}, reaching the action URL {app.digits.get('1', 0)} (with {sample_calls} sampled callers); "
          f"RTP ticker lateness p50 {late[len(late) // 2]:.1f} / p99 {late[int(len(late) * 0.99)]:.1f} ms, "
          f"tick duration p50 {ticks[len(ticks) // 2]:.1f} / p99 {ticks[int(len(ticks) * 0.99)]:.1f} ms; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; garbage collector: {collector} {err}")
    for index, verdict in enumerate(verdicts):
        print(f"  audio sample {index + 1}: heard {verdict or 'no prompt'}")
    for what, count in slow.seen.most_common(12):
        print(f"  slow callback x{count} (worst {slow.worst[what] * 1000:.0f} ms): {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="25,50,100,150", help="call set-up rates to try (calls/s)")
    parser.add_argument("--concurrent", default="100,200,300", help="concurrent IVR call counts to try")
    parser.add_argument("--hold", type=int, default=20, help="seconds an IVR caller stays on after pressing 1")
    parser.add_argument("--in-process", action="store_true", help="one run with the server in this process (see above)")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rate", type=float, default=15)
    parser.add_argument("--sample", type=int, default=3, help="with --in-process: baresip callers whose audio is verified")
    parser.add_argument("--slow-callbacks", type=float, default=0, metavar="MS",
                        help="with --in-process: asyncio debug mode, reporting callbacks that held the loop MS ms or more")
    add_postgres_option(parser, default=None)
    args = parser.parse_args()
    print(f"machine: {machine()} (shared with other work: figures are lower bounds)")
    if args.in_process:
        in_process(args.calls, args.rate, args.hold, args.slow_callbacks, args.sample)
        return
    app = App()
    for name, admin in backends(args.postgres):
        with throwaway_database(admin) as url, tempfile.TemporaryDirectory() as data:
            port, sip_port = free_port(), free_port()
            server = start_server(url, data, port, "--sip-listen", f"127.0.0.1:{sip_port}")
            try:
                provision(f"http://127.0.0.1:{port}", app)
                print(f"\n[{name}] call set-up (each call: answer fetch, prompt, digit, action fetch, BYE)")
                for rate in [float(r) for r in args.rates.split(",") if r]:
                    app.reset()
                    calls = int(rate * 10)
                    before = cpu_seconds(server.pid)
                    ok, failed, err = run_sipp(sip_port, rate, calls, 1000, int(rate * 6))
                    cpu = cpu_seconds(server.pid) - before
                    print(f"  {rate:6.0f} calls/s: {ok}/{calls} ok, {failed} failed, digits {app.digits}, "
                          f"server CPU {1000 * cpu / max(ok, 1):.1f} ms/call {err.strip()[:200]}")
                print(f"\n[{name}] concurrent IVR calls (callers stay {args.hold}s after pressing 1)")
                for target in [int(c) for c in args.concurrent.split(",") if c]:
                    app.reset()
                    rate = max(5.0, target / 20)
                    hold_ms = int(max(args.hold, target / rate + 2) * 1000)
                    before, started = cpu_seconds(server.pid), time.monotonic()
                    ok, failed, err = run_sipp(sip_port, rate, target, hold_ms, target + 10)
                    elapsed = time.monotonic() - started
                    cpu = cpu_seconds(server.pid) - before
                    print(f"  {target:5d} calls at {rate:.0f}/s, held {hold_ms / 1000:.0f}s: {ok} ok, {failed} failed, "
                          f"digits decoded {app.digits.get('1', 0)}/{target}, server CPU {100 * cpu / elapsed:.0f}% of a core "
                          f"over {elapsed:.0f}s {err.strip()[:200]}")
            finally:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
