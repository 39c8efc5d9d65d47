"""SIP registrations of endpoints (RFC 3261 §10): one row per contact an endpoint registered.

Bindings live in the database so that any node can find where an endpoint is (a ``<Dial><User>``
or an API call to ``sip:user@domain`` on another node). The Endpoint row's ``sip_*`` fields
mirror the newest live binding, as Plivo shows one contact per endpoint.
"""

from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from switchboard.core.db import Base
from switchboard.endpoints.models import Endpoint
from switchboard.endpoints.service import record_registration


class SipBinding(Base):
    __tablename__ = "sip_bindings"
    __table_args__ = (UniqueConstraint("endpoint_id", "contact"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("endpoints.endpoint_id", ondelete="CASCADE"), index=True)
    contact: Mapped[str] = mapped_column(String(1024))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_agent: Mapped[str | None] = mapped_column(String(255), default=None)
    call_id: Mapped[str] = mapped_column(String(255), default="")
    cseq: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(128), default="")
    """Where the REGISTER came from (``UDP:1.2.3.4:5060``): requests to the phone go there, so a
    phone behind NAT is reachable on the address its binding was refreshed from."""


async def live_bindings(session: AsyncSession, endpoint_id: str, now: datetime) -> list[SipBinding]:
    rows = await session.scalars(select(SipBinding).where(SipBinding.endpoint_id == endpoint_id, SipBinding.expires > now)
                                 .order_by(SipBinding.expires.desc(), SipBinding.id.desc()))
    return list(rows.all())


async def update_bindings(session: AsyncSession, endpoint: Endpoint, now: datetime, changes: list[tuple[str, int]],
                          *, remove_all: bool, user_agent: str | None, call_id: str, cseq: int, source: str) -> list[SipBinding]:
    """Apply one REGISTER: ``changes`` are (contact URI, seconds; 0 removes). Returns the live set."""
    if remove_all:
        await session.execute(delete(SipBinding).where(SipBinding.endpoint_id == endpoint.endpoint_id))
    existing = {row.contact: row for row in (await session.scalars(
        select(SipBinding).where(SipBinding.endpoint_id == endpoint.endpoint_id))).all()}
    for contact, seconds in changes:
        row = existing.get(contact)
        if row is not None and row.call_id == call_id and row.cseq >= cseq:
            continue  # an out-of-order or repeated REGISTER (RFC 3261 §10.3 step 7)
        if seconds == 0:
            if row is not None:
                await session.delete(row)
            continue
        if row is None:
            row = SipBinding(endpoint_id=endpoint.endpoint_id, contact=contact)
            session.add(row)
        row.expires = now + timedelta(seconds=seconds)
        row.user_agent, row.call_id, row.cseq, row.source = (user_agent or "")[:255] or None, call_id[:255], cseq, source
    await session.flush()
    live = await live_bindings(session, endpoint.endpoint_id, now)
    await mirror(session, endpoint.endpoint_id, live)
    return live


async def mirror(session: AsyncSession, endpoint_id: str, live: list[SipBinding]) -> None:
    """Keep the Endpoint's ``sip_*`` fields equal to its newest live binding (commits)."""
    newest = live[0] if live else None
    await record_registration(session, endpoint_id, contact=newest.contact if newest else None,
                              expires=newest.expires if newest else None, user_agent=newest.user_agent if newest else None)


async def _drop(session: AsyncSession, condition: ColumnElement[bool], now: datetime) -> int:
    gone = list((await session.scalars(select(SipBinding.endpoint_id).where(condition))).all())
    if not gone:
        return 0
    await session.execute(delete(SipBinding).where(condition))
    for endpoint_id in set(gone):
        await mirror(session, endpoint_id, await live_bindings(session, endpoint_id, now))
    return len(gone)


async def expire_bindings(session: AsyncSession, now: datetime) -> int:
    """Remove expired bindings and clear the registration of endpoints left without one."""
    return await _drop(session, SipBinding.expires <= now, now)


async def drop_source(session: AsyncSession, source: str, now: datetime) -> int:
    """Remove the bindings refreshed over ``source`` (a closed WebSocket flow, ``WS:host:port``)."""
    return await _drop(session, SipBinding.source == source, now)
