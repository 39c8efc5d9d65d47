"""The call record (Plivo's CDR): one row per call leg the platform handled, written when the call
starts (so a crash leaves a trace) and completed when it ends."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.core.db import Base
from switchboard.core.validators import URL_LENGTH

RATE = Numeric(12, 5)


class CallRecord(Base):
    __tablename__ = "calls"

    call_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_uuid: Mapped[str] = mapped_column(String(36), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    sub_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True, default=None
    )
    direction: Mapped[str] = mapped_column(String(8))
    from_number: Mapped[str] = mapped_column(String(256))
    to_number: Mapped[str] = mapped_column(String(256))
    caller_name: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    parent_call_uuid: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    answer_url: Mapped[str] = mapped_column(String(URL_LENGTH), default="")
    initiation_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    end_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True, default=None)
    call_duration: Mapped[int] = mapped_column(Integer, default=0)
    bill_duration: Mapped[int] = mapped_column(Integer, default=0)
    billed_duration: Mapped[int] = mapped_column(Integer, default=0)
    hangup_cause_code: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    hangup_cause_name: Mapped[str] = mapped_column(String(64), default="")
    hangup_cause: Mapped[str] = mapped_column(String(64), default="")
    hangup_source: Mapped[str] = mapped_column(String(32), index=True, default="")
    total_rate: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    total_amount: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    stir_attestation: Mapped[str] = mapped_column(String(16), default="")
    source_ip: Mapped[str] = mapped_column(String(64), default="")
    conference_uuid: Mapped[str | None] = mapped_column(String(36), default=None)

    # The call logs of a big account: its calls newest first, and by number (Logs > Calls, ``Call/``).
    __table_args__ = (
        Index("ix_calls_account_end_time", "account_id", "end_time"),
        Index("ix_calls_account_from_end_time", "account_id", "from_number", "end_time"),
        Index("ix_calls_account_to_end_time", "account_id", "to_number", "end_time"),
    )
