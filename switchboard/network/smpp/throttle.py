"""Pacing submits on one bind: a token bucket at the contracted rate, slowed down for a while
when the SMSC answers ESME_RTHROTTLED or ESME_RMSGQFUL (and back to full rate as it recovers).

Only the *rate* is shared; a throttled message itself goes back to the pipeline's queue with a
``retry_after``, so it never blocks the messages behind it."""

from switchboard.core.clock import Clock

BACKOFF_MIN = 1.0
BACKOFF_MAX = 30.0


class BindThrottle:
    def __init__(self, clock: Clock, mps: float):
        self.clock = clock
        self.mps = mps
        self._rate = mps
        self._tokens = 1.0
        self._last = clock.monotonic()
        self.backoff = 0.0
        """Seconds a throttled message waits before it is submitted again (0 when not throttled)."""

    def _refill(self) -> None:
        now = self.clock.monotonic()
        self._tokens = min(max(self._rate, 1.0), self._tokens + (now - self._last) * self._rate)
        self._last = now

    async def take(self) -> None:
        """Wait for the right to send one PDU."""
        self._refill()
        while self._tokens < 1.0:
            await self.clock.sleep((1.0 - self._tokens) / self._rate)
            self._refill()
        self._tokens -= 1.0

    def throttled(self) -> float:
        """The SMSC said slow down: halve the rate and grow the back-off; returns the back-off."""
        self.backoff = min(max(self.backoff * 2, BACKOFF_MIN), BACKOFF_MAX)
        self._rate = max(self._rate / 2, 1.0)
        return self.backoff

    def accepted(self) -> None:
        """A submit went through: recover the rate gradually."""
        if self._rate < self.mps:
            self._rate = min(self.mps, self._rate * 1.05 + 0.1)
        if self.backoff:
            self.backoff = max(self.backoff / 2, 0.0) if self.backoff > BACKOFF_MIN else 0.0
