"""Number search latency: ``GET PhoneNumber/`` against one `switchboard serve` process on loopback.

The inventory is populated first: the numbers of the countries searched are generated (the
first search of a country, timed separately as "cold") and ``--rented`` numbers are bought, so
that every search also has to leave held numbers out. Then one client sends ``--requests``
searches per query, one at a time, and the latency of each is recorded.

    .venv/bin/python bench/number_search.py [--requests 300] [--rented 500] [--postgres URL]

Prints one JSON line per database and query and a Markdown table for docs/benchmarks.md.
"""

import argparse
import json
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AUTH_ID, AUTH_TOKEN, add_postgres_option, backends, free_port, machine, start_server, throwaway_database  # noqa: E402

QUERIES: dict[str, dict[str, str]] = {
    "US local, first page": {"country_iso": "US"},
    "US local, pattern 415": {"country_iso": "US", "pattern": "415"},
    "US local, region Texas, page 3": {"country_iso": "US", "region": "Texas", "offset": "40"},
    "US local, npanxx + services": {"country_iso": "US", "npanxx": "212555", "services": "voice,sms"},
    "US tollfree, wildcard 8*8": {"country_iso": "US", "type": "tollfree", "pattern": "8*8"},
    "GB mobile, services sms": {"country_iso": "GB", "type": "mobile", "services": "sms"},
    "DE local, city Berlin": {"country_iso": "DE", "city": "Berlin"},
    "IN mobile, deep page": {"country_iso": "IN", "type": "mobile", "offset": "2000"},
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def populate(http: httpx.Client, rented: int) -> dict[str, float]:
    """Generate the countries searched (timing each cold search) and buy ``rented`` numbers."""
    cold: dict[str, float] = {}
    for country in sorted({q["country_iso"] for q in QUERIES.values()}):
        started = time.perf_counter()
        http.get(f"/v1/Account/{AUTH_ID}/PhoneNumber/", params={"country_iso": country}).raise_for_status()
        cold[country] = (time.perf_counter() - started) * 1000
    bought, offset = 0, 0
    while bought < rented:
        page = http.get(f"/v1/Account/{AUTH_ID}/PhoneNumber/", params={"country_iso": "US", "offset": offset}).json()
        for item in page["objects"]:
            if bought < rented and http.post(f"/v1/Account/{AUTH_ID}/PhoneNumber/{item['number']}/").status_code == 201:
                bought += 1
        offset += 40  # skip ahead: the numbers bought left this page
    return cold


def measure(http: httpx.Client, params: dict[str, str], requests: int) -> list[float]:
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = http.get(f"/v1/Account/{AUTH_ID}/PhoneNumber/", params=params)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="searches per query")
    parser.add_argument("--rented", type=int, default=500, help="numbers bought before measuring")
    add_postgres_option(parser)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rows = []
    for name, url in backends(args.postgres):
        with tempfile.TemporaryDirectory() as data_dir, throwaway_database(url) as database_url:
            port = free_port()
            server = start_server(database_url, data_dir, port)
            try:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=(AUTH_ID, AUTH_TOKEN), timeout=30) as http:
                    cold = populate(http, args.rented)
                    print(json.dumps({"database": name, "cold_first_search_ms": {k: round(v) for k, v in cold.items()}}))
                    for label, params in QUERIES.items():
                        measure(http, params, 10)  # warm-up
                        timings = measure(http, params, args.requests)
                        row = {
                            "database": name, "query": label, "requests": len(timings),
                            "p50_ms": round(statistics.median(timings), 2), "p99_ms": round(percentile(timings, 0.99), 2),
                        }  # fmt: skip
                        print(json.dumps(row))
                        rows.append(row)
            finally:
                server.send_signal(signal.SIGINT)
                server.wait(timeout=15)
    print(f"\nrented numbers held during the run: {args.rented}\n")
    print("| database | query | requests | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['database']} | {r['query']} | {r['requests']} | {r['p50_ms']} | {r['p99_ms']} |")


if __name__ == "__main__":
    main()
