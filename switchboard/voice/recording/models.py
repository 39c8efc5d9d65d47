"""The recording table: one row per recording (a ``<Record>``, a ``recordSession``, a REST
recording of a call or conference), with its transcription. The audio itself is a file in the
recording store (``storage.py``); ``storage_key`` names it."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.billing.models import Money
from switchboard.core.db import Base
from switchboard.core.validators import URL_LENGTH


class Recording(Base):
    __tablename__ = "recordings"

    recording_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    sub_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True, default=None
    )
    call_uuid: Mapped[str] = mapped_column(String(36), index=True, default="")
    recording_type: Mapped[str] = mapped_column(String(16), default="call")  # call | conference | mpc
    conference_name: Mapped[str] = mapped_column(String(256), index=True, default="")
    conference_uuid: Mapped[str] = mapped_column(String(36), index=True, default="")
    mpc_name: Mapped[str] = mapped_column(String(256), index=True, default="")
    mpc_uuid: Mapped[str] = mapped_column(String(36), index=True, default="")
    from_number: Mapped[str] = mapped_column(String(256), index=True, default="")
    to_number: Mapped[str] = mapped_column(String(256), index=True, default="")
    recording_format: Mapped[str] = mapped_column(String(8), default="mp3")
    channels: Mapped[int] = mapped_column(Integer, default=1)
    # "recording" while the call is being recorded, "completed" once the file is stored, "failed"
    # when it could not be (the storage was full): only completed recordings are listed.
    state: Mapped[str] = mapped_column(String(16), index=True, default="recording")
    # While "recording": wall-clock time until which the node recording it vouches for the row
    # (renewed while it lives). A row whose lease ran out is finished by any node (upkeep.py).
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    add_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    recording_start_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    recording_end_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    recording_duration_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    storage_key: Mapped[str] = mapped_column(String(128), default="")
    file_size: Mapped[int] = mapped_column(BigInteger, default=0)
    transcription_type: Mapped[str] = mapped_column(String(8), default="")  # "" | auto | hybrid
    transcription_url: Mapped[str] = mapped_column(String(URL_LENGTH), default="")
    transcription_method: Mapped[str] = mapped_column(String(8), default="POST")
    transcription_status: Mapped[str] = mapped_column(String(16), default="")  # "" | in-progress | success | failed
    transcription: Mapped[str] = mapped_column(Text, default="")
    # Storage charges (billing/recording_storage.py): the month ("YYYY-MM") last charged and what
    # it cost (Plivo's ``monthly_recording_storage_amount``).
    storage_month: Mapped[str | None] = mapped_column(String(7), default=None)
    storage_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
