"""HTTP transports, one connection each, handed out per destination host.

httpx's connection pool gets slower the more requests share it (every request scans and locks
the whole pool), which made many concurrent deliveries slower than a few. Switchboard instead
gives each request in flight an ``httpx.AsyncHTTPTransport`` of its own with a single keep-alive
connection to that host, and uses it directly (no ``AsyncClient`` layer: redirects are never
followed anyway, and it saves a third of the CPU per request). The number of transports per host
is bounded by the callers' own per-host limits; those of a host idle for ``idle_seconds`` are closed.
"""

import asyncio
import ssl
import time
from collections.abc import Callable

import httpx

ClientFactory = Callable[[], httpx.AsyncHTTPTransport]


def client_factory(verify: ssl.SSLContext | bool) -> ClientFactory:
    """Transports that ignore proxy settings of the environment and share one TLS context
    (building a context per transport would reload the CA bundle every time)."""
    context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)

    def create() -> httpx.AsyncHTTPTransport:
        return httpx.AsyncHTTPTransport(
            verify=context,
            trust_env=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30),
        )

    return create


class Lanes:
    def __init__(self, factory: ClientFactory, idle_seconds: float = 60.0):
        self._factory = factory
        self._idle_seconds = idle_seconds
        self._free: dict[str, list[httpx.AsyncHTTPTransport]] = {}
        self._last_used: dict[str, float] = {}
        self._busy = 0
        self._last_sweep = time.monotonic()
        self._closing: set[asyncio.Task[None]] = set()

    def take(self, host: str) -> httpx.AsyncHTTPTransport:
        self._sweep()
        free = self._free.get(host)
        self._busy += 1
        return free.pop() if free else self._factory()

    def give(self, host: str, client: httpx.AsyncHTTPTransport) -> None:
        self._busy -= 1
        self._free.setdefault(host, []).append(client)
        self._last_used[host] = time.monotonic()

    def _sweep(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self._idle_seconds / 2:
            return
        self._last_sweep = now
        for host in [h for h, used in self._last_used.items() if now - used > self._idle_seconds]:
            del self._last_used[host]
            for client in self._free.pop(host, []):
                task = asyncio.create_task(client.aclose())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        clients = [client for free in self._free.values() for client in free]
        self._free.clear()
        await asyncio.gather(*(client.aclose() for client in clients), *self._closing, return_exceptions=True)
