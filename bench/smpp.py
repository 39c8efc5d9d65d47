"""SMPP end-to-end benchmark: REST -> SMPP -> delivery receipt -> status callback.

One `switchboard serve` process with an SMPP connector (2 transceiver binds, window 100, no
throughput cap) to the smpp34 SMSC peer process (tests/network/smpp/smsc_peer.py), which accepts
every submit_sm and sends a DELIVRD receipt for it at once. The load generator and the status
callback receiver (bench/messaging.py's) run in this process. Messages are sent in bulk requests
to German mobile numbers routed to the connector; with --rate, on a fixed schedule of that many
messages/s (does the system keep up?), else as fast as they are answered (how fast does it drain
a burst?). Measured per database:
- delivered/s: from the first request until every message is `delivered` in the database
  (submit_sm, submit_sm_resp, the receipt deliver_sm, its correlation and the state change);
- delivered callbacks received/s: until the receiver has every `delivered` callback (callbacks on),
  and each message's latency from its request's answer to its `delivered` callback (p50/p99/max);
- CPU milliseconds per message of the server, of the SMSC peer and of this process (the load
  generator and the callback receiver), from /proc over the timed part (after the setup: the number
  search and purchase, the first request of each route), which say more than rates on a machine
  that other work loads; and the load average before/after.

    .venv/bin/python bench/smpp.py [--messages 10000] [--bulk 500] [--connections 4] [--callbacks off|on|both]
        [--billing on|off|both|prepaid|all] [--postgres URL] [--nodes N] [--repeat N] [--rate R]
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import uvloop

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))
from common import (  # noqa: E402
    AUTH_ID, AUTH_TOKEN, BILLING_MODES, add_billing_option, add_postgres_option, backends, billing_options, free_port, machine,
    make_prepaid, start_server, throwaway_database,
)
from messaging import CallbackReceiver, delivered_count  # noqa: E402

from tests.network.smpp.peer import SmscPeer  # noqa: E402

CONNECTORS = """
[[connector]]
name = "smsc"
kind = "smpp"
host = "127.0.0.1"
port = {port}
system_id = "bench"
password = "bench"
binds = {binds}
window = {window}
mps = 1000000

[[route]]
prefix = "49"
connector = "smsc"
"""


async def run(ports: list[int], messages: int, bulk: int, connections: int, callbacks: bool, rate: float,
              on_start: Callable[[], None]) -> dict:
    """Requests go to the nodes on ``ports`` in turn. ``on_start`` is called after the setup (number
    search and purchase, the first request of each route), when the timed part begins. With
    ``rate`` (messages/s) each bulk request is sent at its time on a fixed schedule; without, each
    of ``connections`` senders sends its next request as soon as the last one is answered."""
    bases = [f"http://127.0.0.1:{port}/v1/Account/{AUTH_ID}" for port in ports]
    base = bases[0]
    receiver = CallbackReceiver(timed=True)
    await receiver.start()
    accepted_at: dict[str, float] = {}
    async with httpx.AsyncClient(auth=(AUTH_ID, AUTH_TOKEN), timeout=300, limits=httpx.Limits(max_connections=connections)) as http:
        found = await http.get(f"{base}/PhoneNumber/", params={"country_iso": "US", "services": "sms", "limit": 1})
        src = found.json()["objects"][0]["number"]
        await http.post(f"{base}/PhoneNumber/{src}/", json={})
        url = f"http://127.0.0.1:{receiver.port}/status" if callbacks else ""
        counter = iter(range(10**9))
        for node in bases:
            await delivered_count(http, node)  # warms the routes up

        async def send(node: str) -> int:
            dst = "<".join(f"49151{next(counter):08d}" for _ in range(bulk))
            response = await http.post(f"{node}/Message/", json={"src": src, "dst": dst, "text": "SMPP benchmark", "url": url})
            uuids = response.json()["message_uuid"]
            now = time.perf_counter()
            accepted_at.update((uuid, now) for uuid in uuids)
            return len(uuids)

        async def sender(requests: int, node: str) -> int:
            return sum([await send(node) for _ in range(requests)])

        async def at(moment: float, node: str) -> int:
            await asyncio.sleep(moment - time.perf_counter())
            return await send(node)

        requests = messages // bulk
        on_start()
        started = time.perf_counter()
        if rate:
            sent = [at(started + index * bulk / rate, bases[index % len(bases)]) for index in range(requests)]
        else:
            sent = [sender(requests // connections, bases[index % len(bases)]) for index in range(connections)]
        accepted = sum(await asyncio.gather(*sent))
        accept_seconds = time.perf_counter() - started
        receiver.expect = accepted
        if receiver.statuses.get("delivered", 0) >= accepted:
            receiver.delivered.set()
        while await delivered_count(http, base) < accepted:
            await asyncio.sleep(0.1)
        deliver_seconds = time.perf_counter() - started
        if callbacks:
            await asyncio.wait_for(receiver.delivered.wait(), timeout=1800)
        callback_seconds = time.perf_counter() - started
    result = {"callbacks_on": callbacks, "messages": accepted, "accepted_per_second": round(accepted / accept_seconds),
              "delivered_per_second": round(accepted / deliver_seconds),
              "delivered_callbacks_received_per_second": round(accepted / callback_seconds) if callbacks else None,
              "callbacks": dict(receiver.statuses)}
    if callbacks and receiver.arrivals:
        latencies = sorted(receiver.arrivals[uuid] - accepted_at[uuid] for uuid in receiver.arrivals if uuid in accepted_at)
        result.update({"callback_latency_p50_s": round(latencies[len(latencies) // 2], 2),
                       "callback_latency_p99_s": round(latencies[len(latencies) * 99 // 100], 2),
                       "callback_latency_max_s": round(latencies[-1], 2)})
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_pids(database: str | None) -> list[int]:
    """The PostgreSQL server processes serving ``database`` (its connections)."""
    if database is None:
        return []
    found = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc",
                            f"select pid from pg_stat_activity where datname = '{database}'"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def total_cpu(pids: list[int]) -> float:
    """:func:`cpu_seconds` summed over ``pids`` (processes that are gone count 0)."""
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--bulk", type=int, default=500)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--binds", type=int, default=2)
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--callbacks", choices=("off", "on", "both"), default="both")
    parser.add_argument("--nodes", type=int, default=1, help="server processes on one database (beyond 1: PostgreSQL only)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration; the table gives their medians")
    parser.add_argument("--rate", type=float, default=0.0, help="messages/s offered on a fixed schedule (0: not paced)")
    add_billing_option(parser)
    add_postgres_option(parser)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rows = []
    for name, url in backends(args.postgres):
        if args.nodes > 1 and not url:
            continue  # SQLite has one writer: one server process
        nodes = args.nodes
        configurations = [(mode, billing) for _ in range(args.repeat)
                          for mode in {"off": (False,), "on": (True,), "both": (False, True)}[args.callbacks]
                          for billing in BILLING_MODES[args.billing]]  # billing on and off back to back
        for callbacks, billing in configurations:
            throwaway = throwaway_database(url)
            with tempfile.TemporaryDirectory() as data_dir, throwaway as database_url, contextlib.ExitStack() as stop:
                smsc = SmscPeer().start()
                smsc.set(quiet=True)
                config = Path(data_dir) / "connectors.toml"
                config.write_text(CONNECTORS.format(port=smsc.port, binds=args.binds, window=args.window))
                ports, servers = [], []
                for node in range(nodes):
                    ports.append(free_port())
                    servers.append(start_server(database_url, f"{data_dir}/data{node}", ports[-1], "--sms-mps", "longcode=1000000",
                                                "--connectors", str(config), *billing_options(billing)))
                    stop.callback(_stop, servers[-1])
                if billing == "prepaid":
                    make_prepaid(database_url, f"{data_dir}/data0")
                load = os.getloadavg()[0]
                peers = {"server": lambda: [server.pid for server in servers], "smsc": lambda: [smsc.pid],
                         "bench": lambda: [os.getpid()], "postgres": lambda: backend_pids(name == "postgresql" and throwaway.name or None)}
                before: dict[int, float] = {}

                def mark() -> None:
                    before.update({pid: total_cpu([pid]) for pids in peers.values() for pid in pids()})

                try:
                    result = uvloop.run(run(ports, args.messages, args.bulk, args.connections, callbacks, args.rate, mark))
                    for peer, pids in peers.items():  # processes started during the run count in full
                        spent = sum(total_cpu([pid]) - before.get(pid, 0.0) for pid in pids())
                        result[f"{peer}_cpu_ms_per_message"] = round(1000 * spent / result["messages"], 2)
                    result["load_average"] = f"{load:.1f}-{os.getloadavg()[0]:.1f}"
                finally:
                    stop.close()
                    smsc.command(cmd="count")
                    submits = smsc.wait_for("count")[0]["submits"]
                    smsc.kill()
                result["submit_sm_seen_by_smsc"] = submits
                result["billing"] = billing
                print(json.dumps({"database": name, **result}), flush=True)
                rows.append((name, result))
    offered = f"offered at {args.rate:g} messages/s" if args.rate else "not paced"
    print(f"\nserver processes: {args.nodes}; {offered}; runs per configuration: {args.repeat} (medians, and the range when more than one)")
    print(f"\n| database | status callbacks | billing | messages | binds × window | accepted/s | delivered/s | delivered callbacks received/s | delivered callback latency p50 / p99 / max s | server CPU ms/message | SMSC CPU ms/message | load generator + receiver CPU ms/message | PostgreSQL backends CPU ms/message | load average |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    by_configuration: dict[tuple[str, bool, str], list[dict]] = {}
    for name, result in rows:
        by_configuration.setdefault((name, result["callbacks_on"], result["billing"]), []).append(result)
    for (name, callbacks, billing), results in by_configuration.items():

        def cell(key: str) -> str:
            return spread([result[key] for result in results if result.get(key) is not None])

        loads = [result["load_average"] for result in results if "load_average" in result]
        print(f"| {name} | {'on' if callbacks else 'off'} | {billing} | {results[0]['messages']} | {args.binds} × {args.window} | "
              f"{cell('accepted_per_second')} | {cell('delivered_per_second')} | {cell('delivered_callbacks_received_per_second') if callbacks else '–'} | "
              f"{' / '.join(cell(f'callback_latency_{part}_s') for part in ('p50', 'p99', 'max')) if callbacks else '–'} | "
              f"{cell('server_cpu_ms_per_message')} | {cell('smsc_cpu_ms_per_message')} | {cell('bench_cpu_ms_per_message')} | "
              f"{cell('postgres_cpu_ms_per_message') if name == 'postgresql' else '–'} | {loads[0].split('-')[0] + '–' + loads[-1].split('-')[-1] if loads else '?'} |")


def spread(values: list[float]) -> str:
    """The median of ``values``, and their range when there are several: ``545 (480–610)``."""
    if not values:
        return "?"
    middle = statistics.median(values)
    text = f"{middle:g}" if isinstance(middle, float) else str(middle)
    return text if len(values) == 1 else f"{text} ({min(values):g}–{max(values):g})"


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGINT)
    server.wait(timeout=60)


if __name__ == "__main__":
    main()
