"""The one paced sender: a single 20 ms ticker sends the next packet of every active stream.

One ticker with absolute deadlines (``t0 + k·20 ms``) costs far less than a task per stream and
does not drift (see the shared reference's RTP benchmark). A tick that is badly late (the loop
was blocked) skips the missed slots instead of sending a burst. ``late_ms`` keeps the lateness
of recent ticks and ``tick_ms`` how long each took (the pacer's own share of the event loop),
for the benchmark.
"""

import asyncio
import logging
from collections import deque

from switchboard.network.rtp.session import RtpSession

log = logging.getLogger("switchboard.rtp")
PERIOD = 0.020


class Pacer:
    def __init__(self) -> None:
        self.sessions: set[RtpSession] = set()
        self.task: asyncio.Task[None] | None = None
        self.late_ms: deque[float] = deque(maxlen=5000)
        self.tick_ms: deque[float] = deque(maxlen=5000)

    def add(self, session: RtpSession) -> None:
        self.sessions.add(session)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run(), name="rtp-pacer")

    def remove(self, session: RtpSession) -> None:
        self.sessions.discard(session)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        while self.sessions:
            now = loop.time()
            lateness = now - deadline
            self.late_ms.append(lateness * 1000)
            if lateness > 5 * PERIOD:
                deadline = now  # the loop stalled: skip the missed slots
            for session in list(self.sessions):
                try:
                    session.tick()
                except Exception:
                    log.exception("RTP send failed")
                    self.sessions.discard(session)
            self.tick_ms.append((loop.time() - now) * 1000)
            deadline += PERIOD
            await asyncio.sleep(max(0.0, deadline - loop.time()))
