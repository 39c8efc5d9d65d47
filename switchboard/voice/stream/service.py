"""The streams of a node's calls: starting them (``<Stream>``, ``POST Call/{uuid}/Stream/``),
finding them and stopping them. Streams live in memory with their call; an ended stream stays
readable (``GET``) for a while (the last :data:`KEEP_ENDED` of the node).
"""

import logging
import math
from collections import OrderedDict
from typing import TYPE_CHECKING

from switchboard.billing.rating import rate_stream
from switchboard.billing.service import charge_row, ledger_insert

from switchboard.voice.call import LiveCall
from switchboard.voice.stream.session import StreamOptions, StreamSession
from switchboard.voice.stream.ticker import Ticker

if TYPE_CHECKING:
    from switchboard.voice.engine import VoiceEngine

log = logging.getLogger("switchboard.stream")
KEEP_ENDED = 10_000


class StreamRefused(ValueError):
    """A stream that cannot start (Plivo answers 400)."""


class Streams:
    def __init__(self, engine: "VoiceEngine"):
        self.engine = engine
        self.by_call: dict[str, list[StreamSession]] = {}
        self._ended: OrderedDict[str, StreamSession] = OrderedDict()
        self.ticker = Ticker(engine.clock)

    def start(self, call: LiveCall, options: StreamOptions) -> StreamSession:
        if call.leg is None or not call.leg.is_up:
            raise StreamRefused(f"call {call.call_uuid} is not in progress")
        if any(s.is_active and s.options.service_url == options.service_url for s in self.by_call.get(call.call_uuid, [])):
            raise StreamRefused(f"a stream to {options.service_url} is already active on this call")
        session = StreamSession(self, call, options)
        self.by_call.setdefault(call.call_uuid, []).append(session)
        self.engine.spawn(session.run(), f"stream-{session.stream_id}")
        return session

    def of_call(self, call_uuid: str) -> list[StreamSession]:
        live = self.by_call.get(call_uuid, [])
        ended = [s for s in self._ended.values() if s.call.call_uuid == call_uuid and s not in live]
        return sorted(live + ended, key=lambda s: s.created_at)

    def find(self, call_uuid: str, stream_id: str) -> StreamSession | None:
        return next((s for s in self.of_call(call_uuid) if s.stream_id == stream_id), None)

    async def signing_token(self, auth_id: str) -> str:
        return await self.engine.webhooks.signing_token(auth_id)

    def ended(self, session: StreamSession) -> None:
        """A stream has ended: kept for reading; its call's list is dropped with the call."""
        self._ended[session.stream_id] = session
        while len(self._ended) > KEEP_ENDED:
            self._ended.popitem(last=False)
        sessions = self.by_call.get(session.call.call_uuid, [])
        if all(not s.is_active for s in sessions):
            self.by_call.pop(session.call.call_uuid, None)

    async def charge(self, session: StreamSession) -> None:
        """A stream that ran is charged once to its call's account: ``[stream] rate`` per started
        minute (usage service ``streams``)."""
        seconds = int(round(session.seconds))
        call = session.call
        row = charge_row(call.account_id, call.sub_account_id, "stream", session.stream_id, rate_stream(seconds)[1],
                         self.engine.clock.now(), quantity=max(1, math.ceil(seconds / 60)))
        try:
            with self.engine.clock.busy():
                async with self.engine.sessionmaker() as db:
                    await db.execute(ledger_insert(db.get_bind().dialect.name), row)
                    await db.commit()
        except Exception:
            log.exception("stream %s: its charge was not written", session.stream_id)
