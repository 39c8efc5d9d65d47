from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.core.db import Base
from switchboard.core.validators import NAME_LENGTH

RATE = Numeric(12, 5)


class RentedNumber(Base):
    """A phone number an account holds: rented from the simulated network's inventory
    (``carrier_id`` empty, carrier "Plivo" as Plivo reports its own numbers) or added from the
    account's own incoming carrier. A number is held by at most one account at a time, so the
    primary key is the number itself (E.164 digits without ``+``)."""

    __tablename__ = "numbers"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    sub_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True, default=None
    )
    app_id: Mapped[str | None] = mapped_column(
        ForeignKey("applications.app_id", ondelete="SET NULL"), index=True, default=None
    )
    carrier_id: Mapped[str | None] = mapped_column(
        ForeignKey("incoming_carriers.carrier_id", ondelete="CASCADE"), index=True, default=None
    )
    alias: Mapped[str | None] = mapped_column(String(NAME_LENGTH), default=None)
    country_iso: Mapped[str] = mapped_column(String(2), index=True)
    number_type: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    city: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    voice_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sms_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    mms_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    monthly_rental_rate: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    voice_rate: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    sms_rate: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    mms_rate: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    cnam_lookup: Mapped[str | None] = mapped_column(String(16), default=None)
    tendlc_registration_status: Mapped[str | None] = mapped_column(String(32), default=None)
    tendlc_campaign_id: Mapped[str | None] = mapped_column(String(64), default=None)
    toll_free_sms_verification: Mapped[str | None] = mapped_column(String(32), default=None)
    added_on: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    renewal_date: Mapped[date] = mapped_column(Date, index=True)


class IncomingCarrier(Base):
    """A carrier of the account's own numbers: calls from ``ip_set`` to those numbers are accepted."""

    __tablename__ = "incoming_carriers"

    carrier_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    ip_set: Mapped[str] = mapped_column(Text)
    voice: Mapped[bool] = mapped_column(Boolean, default=True)
    sms: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    inband_dtmf: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutgoingCarrier(Base):
    """A SIP trunk that the account's outbound calls may leave through."""

    __tablename__ = "outgoing_carriers"

    carrier_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    address: Mapped[str] = mapped_column(String(NAME_LENGTH))
    ips: Mapped[str] = mapped_column(Text, default="")
    failover_address: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    prefix: Mapped[str] = mapped_column(String(32), default="")
    failover_prefix: Mapped[str] = mapped_column(String(32), default="")
    suffix: Mapped[str] = mapped_column(String(32), default="")
    retries: Mapped[int] = mapped_column(Integer, default=0)
    retry_seconds: Mapped[int] = mapped_column(Integer, default=0)
    inband_dtmf: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
