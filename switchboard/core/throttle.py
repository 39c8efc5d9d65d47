"""Slowing down repeated authentication failures from one address.

In-memory and per node: a sliding window of failure times per client address. Once an address
has ``limit`` failures inside ``window`` seconds it is refused (429) until the oldest failure
leaves the window. Successful requests are never counted.
"""

import time
from collections import deque


class FailureThrottle:
    def __init__(self, limit: int = 10, window: float = 60.0, max_addresses: int = 100_000):
        self.limit = limit
        self.window = window
        self.max_addresses = max_addresses
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, address: str, now: float) -> deque[float] | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures

    def retry_after(self, address: str) -> float:
        """Seconds until ``address`` may try again; 0 when it is not blocked."""
        now = time.monotonic()
        failures = self._recent(address, now)
        if failures is None or len(failures) < self.limit:
            return 0.0
        return max(failures[-self.limit] + self.window - now, 0.001)

    def record_failure(self, address: str) -> None:
        now = time.monotonic()
        if len(self._failures) >= self.max_addresses and address not in self._failures:
            self._failures.pop(next(iter(self._failures)))
        failures = self._recent(address, now)
        if failures is None:
            failures = self._failures[address] = deque(maxlen=self.limit)
        failures.append(now)
