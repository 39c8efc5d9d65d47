"""Cheap protection against INVITE floods (scanners such as friendly-scanner/sipvicious).

Each source address outside every incoming carrier's IP set gets a token bucket of ``rate``
INVITEs per second (burst ``2·rate``). Over it, INVITEs are dropped without a response and
before any database work; carrier addresses (``trusted``) are never limited. Within the limit
an unknown caller still has to pass digest authentication (407), which costs no database query
until credentials are offered.
"""

import ipaddress
import time


class FloodGuard:
    MAX_SOURCES = 10_000

    def __init__(self, rate: float):
        self.rate, self.burst = rate, 2 * rate
        self.buckets: dict[str, tuple[float, float]] = {}
        self.trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.dropped = 0

    def is_trusted(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def allow(self, host: str) -> bool:
        if self.trusted and self.is_trusted(host):
            return True
        now = time.monotonic()
        tokens, last = self.buckets.get(host, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self.buckets[host] = (tokens, now)
            return False
        if len(self.buckets) >= self.MAX_SOURCES and host not in self.buckets:
            self.buckets.clear()  # bounded memory under a spoofed-source flood
        self.buckets[host] = (tokens - 1, now)
        return True
