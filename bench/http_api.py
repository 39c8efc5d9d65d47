"""HTTP API benchmark: one `switchboard serve` process, load from a separate process on loopback.

Scenarios: authenticated `GET Account/`, and `POST Subaccount/` followed by `GET Subaccount/{id}/`.
Prints one line per scenario and database, and a Markdown table for docs/benchmarks.md.

    .venv/bin/python bench/http_api.py [--seconds 10] [--connections 32] [--postgres URL]
"""

import argparse
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import AUTH_ID, AUTH_TOKEN, add_postgres_option, backends, free_port, machine, start_server, throwaway_database  # noqa: E402


def load(port: int, scenario: str, connections: int, seconds: float) -> dict:
    command = [
        sys.executable, str(HERE / "loadgen.py"), "--port", str(port), "--auth-id", AUTH_ID, "--auth-token", AUTH_TOKEN,
        "--scenario", scenario, "--connections", str(connections), "--seconds", str(seconds),
    ]  # fmt: skip
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    add_postgres_option(parser)
    args = parser.parse_args()
    rows = []
    print(f"machine: {machine()}")
    for name, url in backends(args.postgres):
        with tempfile.TemporaryDirectory() as data_dir, throwaway_database(url) as database_url:
            port = free_port()
            server = start_server(database_url, data_dir, port)
            try:
                for scenario in ("get-account", "create-get-subaccount"):
                    load(port, scenario, args.connections, 2)  # warm-up
                    result = load(port, scenario, args.connections, args.seconds)
                    print(json.dumps({"database": name, **result}))
                    rows.append((name, result))
            finally:
                server.send_signal(signal.SIGINT)
                server.wait(timeout=15)
    print("\n| database | scenario | connections | requests/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(
            f"| {name} | {r['scenario']} | {r['connections']} | {r['requests_per_second']} | "
            f"{r['iteration_p50_ms']} | {r['iteration_p99_ms']} | {r['errors']} |"
        )


if __name__ == "__main__":
    main()
