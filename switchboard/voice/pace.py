"""Plivo's outbound calls-per-second limit: ``POST Call/`` never refuses a call for going too fast;
calls beyond the main account's CPS (2 by default, as on Plivo; ``switchboard serve
--outbound-cps``) wait in a queue (``CallStatus`` ``queued``, "call queued") and are dispatched in
the next free second. Subaccounts share their main account's limit. Calls through ``<Dial>`` and
inbound calls are not paced here. A queued call that is cancelled gives its slot back.
"""

from bisect import bisect_left, bisect_right, insort

from switchboard.core.clock import Clock

DEFAULT_OUTBOUND_CPS = 2


class OutboundPace:
    def __init__(self, clock: Clock, cps: int = DEFAULT_OUTBOUND_CPS):
        self.clock, self.cps = clock, max(1, cps)
        self._starts: dict[str, list[float]] = {}  # sorted start times that still constrain new calls
        self._released: dict[str, float] = {}  # latest start given back: a gap new calls may fill

    def reserve(self, account_id: str) -> tuple[float, float]:
        """When a new call of ``account_id`` may start (the clock's monotonic time, and seconds
        from now), its slot then taken: at most ``cps`` starts in any one-second window."""
        now = self.clock.monotonic()
        starts = self._starts.setdefault(account_id, [])
        del starts[:bisect_right(starts, now - 1.0)]
        start = now if len(starts) < self.cps else max(now, starts[-self.cps] + 1.0)
        if self._released.get(account_id, -1.0) + 1.0 >= now:
            start = next(t for t in [now, *(s + 1.0 for s in starts)] if now <= t <= start and self._fits(starts, t))
        else:
            self._released.pop(account_id, None)
        insort(starts, start)
        return start, start - now

    def release(self, account_id: str, start: float) -> None:
        """A call that was waiting for ``start`` will not start (it was cancelled while queued)."""
        starts = self._starts.get(account_id, [])
        index = bisect_left(starts, start)
        if index < len(starts) and starts[index] == start:
            del starts[index]
            self._released[account_id] = max(start, self._released.get(account_id, start))

    def _fits(self, starts: list[float], t: float) -> bool:
        """Whether a start at ``t`` keeps every one-second window at ``cps`` starts or fewer."""
        merged = list(starts)
        insort(merged, t)
        at = bisect_left(merged, t)
        return all(merged[i + self.cps] - merged[i] >= 1.0
                   for i in range(max(0, at - self.cps), min(at, len(merged) - 1 - self.cps) + 1))
