"""Tables of the carrier connectors: their configuration (from the REST API; the config file's
connectors are not stored), the messaging routes of accounts, and the persisted correlation of
carrier message ids (per segment) with the message they belong to."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.core.db import Base


class ConnectorRow(Base):
    """A connector an account's operator added through ``Connector/``. ``settings`` is JSON and
    holds credentials: it is never returned by the API nor logged."""

    __tablename__ = "message_connectors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    settings: Mapped[str] = mapped_column(Text)
    failover: Mapped[str] = mapped_column(String(32), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MessagingRoute(Base):
    """Outbound messages of ``account_id`` (and its subaccounts) to numbers starting with
    ``prefix`` (E.164 digits; "" matches all) leave through ``connector``; the longest prefix wins."""

    __tablename__ = "messaging_routes"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    connector: Mapped[str] = mapped_column(String(32))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CarrierSegment(Base):
    """One carrier message id (one segment) and the message it belongs to: ``message_id`` is the
    id the pipeline knows the message by (its first segment's); it is NULL while a receipt waits
    for its submit response. Kept for ``receipt_ttl_hours`` because receipts can come days later."""

    __tablename__ = "carrier_segments"

    carrier_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    connector: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(80), default=None)
    total: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str | None] = mapped_column(String(16), default=None)
    error_code: Mapped[int | None] = mapped_column(Integer, default=None)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    # Each lookup leads an index (the id, then the connector): a generic plan PostgreSQL made for
    # a prepared statement while the table was small then still finds rows by id.
    __table_args__ = (Index("ix_carrier_segments_message_id_connector", "message_id", "connector"),)
