"""Plivo's outbound calls-per-second limit: ``POST Call/`` never refuses a call for going too fast;
calls beyond the main account's CPS (2 by default, as on Plivo; ``switchboard serve
--outbound-cps``) wait in a queue (``CallStatus`` ``queued``, "call queued") and are dispatched in
the next free second. Subaccounts share their main account's limit. Calls through ``<Dial>`` and
inbound calls are not paced here.
"""

from collections import deque

from switchboard.core.clock import Clock

DEFAULT_OUTBOUND_CPS = 2


class OutboundPace:
    def __init__(self, clock: Clock, cps: int = DEFAULT_OUTBOUND_CPS):
        self.clock, self.cps = clock, max(1, cps)
        self._starts: dict[str, deque[float]] = {}

    def delay(self, account_id: str) -> float:
        """Seconds until a new call of ``account_id`` may start, its slot then taken: at most
        ``cps`` starts in any one-second window."""
        now = self.clock.monotonic()
        starts = self._starts.get(account_id)
        if starts is None or (starts and starts[-1] <= now - 1.0):
            starts = self._starts[account_id] = deque(maxlen=self.cps)
        start = max(now, starts[0] + 1.0) if len(starts) == self.cps else now
        starts.append(start)
        return start - now
