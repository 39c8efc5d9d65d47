"""Tables: the outbox of event notifications not yet delivered, and the log of every attempt."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.core.db import Base
from switchboard.core.validators import URL_LENGTH

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class WebhookNotification(Base):
    """An event notification waiting to be delivered (inserted before the first attempt, deleted
    once it is delivered or given up). A node works on a row while it holds its lease
    (``lease_owner``, ``lease_until``); rows whose lease ran out are picked up by any node."""

    __tablename__ = "webhook_notifications"

    notification_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(20))
    owner_auth_id: Mapped[str] = mapped_column(String(20))
    event: Mapped[str] = mapped_column(String(64), default="")
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    host: Mapped[str] = mapped_column(String(300), default="", server_default="")
    """``host:port`` of ``url`` and the owning account (``urls.delivery_unit``): the unit of the
    outbox's queues and limits. Rows stored before the account was added hold ``host:port`` only."""
    method: Mapped[str] = mapped_column(String(4))
    params: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(36), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")

    # Rows are mostly stored leased and deleted once delivered; only those no node holds (left for
    # lack of room, or waiting for a retry) are in the poller's index.
    __table_args__ = (
        Index("ix_webhook_notifications_unleased", "next_attempt_at",
              postgresql_where=text("lease_owner IS NULL"), sqlite_where=text("lease_owner IS NULL")),
        Index("ix_webhook_notifications_lease_owner", "lease_owner"),
    )


class WebhookAttempt(Base):
    """One HTTP request Switchboard made to a customer URL, successful or not."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    account_id: Mapped[str] = mapped_column(String(20))
    owner_auth_id: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(8))
    event: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(36))
    attempt: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    method: Mapped[str] = mapped_column(String(4))
    params: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    latency_ms: Mapped[float] = mapped_column(Float)
    response_snippet: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(Text, default="")
    resource_id: Mapped[str] = mapped_column(String(36), default="", server_default="")
    """The call or message the request was made for (its ``CallUUID``/``MessageUUID`` parameter),
    so that a call's or message's page can list its requests; "" for others."""

    __table_args__ = (
        Index("ix_webhook_attempts_account_id_id", "account_id", "id"),
        Index("ix_webhook_attempts_resource_id", "resource_id", "id"),
        Index("ix_webhook_attempts_owner_auth_id", "owner_auth_id"),
        Index("ix_webhook_attempts_request_id", "request_id"),
        Index("ix_webhook_attempts_created", "created"),
    )
