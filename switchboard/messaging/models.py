"""Tables of the messaging area: messages (MDRs), media, opt-outs, per-account settings, and the
parts of multi-part inbound messages waiting for their siblings."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.core.db import Base
from switchboard.core.validators import URL_LENGTH
from switchboard.webhooks.models import AutoId

RATE = Numeric(12, 5)


class Message(Base):
    """One message to or from one number (Plivo's MDR). ``dispatch_at`` is set while the pipeline
    still owes the message work — submitting an outbound message to its connector, or posting an
    inbound one to the application — and says when it may start; rows are the pipeline's queue,
    so a restart resumes from them."""

    __tablename__ = "messages"

    message_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"))
    sub_account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True, default=None)
    message_direction: Mapped[str] = mapped_column(String(8))
    message_type: Mapped[str] = mapped_column(String(8), default="sms")
    message_state: Mapped[str] = mapped_column(String(16))
    from_number: Mapped[str] = mapped_column(String(64))
    to_number: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    encoding: Mapped[str] = mapped_column(String(8), default="GSM")
    units: Mapped[int] = mapped_column(Integer, default=1)
    total_rate: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    total_amount: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    error_code: Mapped[int | None] = mapped_column(Integer, default=None)
    url: Mapped[str] = mapped_column(String(URL_LENGTH), default="")
    method: Mapped[str] = mapped_column(String(4), default="POST")
    log: Mapped[bool] = mapped_column(Boolean, default=True)
    powerpack_uuid: Mapped[str | None] = mapped_column(String(36), default=None)
    destination_country_iso2: Mapped[str] = mapped_column(String(2), default="")
    message_intent: Mapped[str] = mapped_column(String(8), default="")
    requester_ip: Mapped[str] = mapped_column(String(64), default="")
    message_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    delivery_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    updated_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    """Status callbacks sent so far (the ``Sequence`` of the last one)."""
    dispatch_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    connector: Mapped[str] = mapped_column(String(32), default="")
    carrier_message_id: Mapped[str | None] = mapped_column(String(80), default=None)

    # The pipeline's lookups lead an index each, so that a generic plan PostgreSQL made for a
    # prepared statement while the table was small still uses it. Only rows with work pending are
    # in the pipeline's queue index.
    __table_args__ = (
        Index("ix_messages_account_time", "account_id", "message_time"),
        Index("ix_messages_account_state_time", "account_id", "message_state", "message_time"),
        Index("ix_messages_account_from_time", "account_id", "from_number", "message_time"),
        Index("ix_messages_account_to_time", "account_id", "to_number", "message_time"),
        Index("ix_messages_carrier_message_id_connector", "carrier_message_id", "connector"),
        Index("ix_messages_due", "message_direction", "dispatch_at",
              postgresql_where=sql_text("dispatch_at IS NOT NULL"), sqlite_where=sql_text("dispatch_at IS NOT NULL")),
    )


class Media(Base):
    """A media file: uploaded through ``Media/``, fetched from a ``media_urls`` entry of an MMS, or
    received with an inbound MMS. Served to carriers and handsets at its unguessable ``media_url``."""

    __tablename__ = "media"

    media_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    sub_account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True, default=None)
    content_type: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    upload_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MessageMedia(Base):
    """The media of an MMS, in order."""

    __tablename__ = "message_media"

    message_uuid: Mapped[str] = mapped_column(ForeignKey("messages.message_uuid", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_id: Mapped[str] = mapped_column(ForeignKey("media.media_id", ondelete="CASCADE"), index=True)


class OptOut(Base):
    """``handset`` sent STOP to ``number`` (a number of the account): messages from that number
    to that handset fail with error 200 until the handset sends START."""

    __tablename__ = "message_opt_outs"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    handset: Mapped[str] = mapped_column(String(20), primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MessagingSettings(Base):
    """A main account's messaging options (a Switchboard extension; absent row = defaults).
    ``opt_out``: ``auto`` (STOP/START/HELP handled on US and CA numbers), ``on`` (every number),
    ``off`` (the application handles keywords itself)."""

    __tablename__ = "messaging_settings"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), primary_key=True)
    opt_out: Mapped[str] = mapped_column(String(8), default="auto")
    help_text: Mapped[str] = mapped_column(Text, default="")
    stop_text: Mapped[str] = mapped_column(Text, default="")
    start_text: Mapped[str] = mapped_column(Text, default="")


class InboundPart(Base):
    """One segment of a concatenated inbound message, kept until all its siblings have arrived."""

    __tablename__ = "message_inbound_parts"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    from_number: Mapped[str] = mapped_column(String(64))
    to_number: Mapped[str] = mapped_column(String(20))
    reference: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    seqnum: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_message_inbound_parts_key", "to_number", "from_number", "reference"),)
