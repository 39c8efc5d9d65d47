from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.core.db import Base
from switchboard.core.validators import NAME_LENGTH


class Endpoint(Base):
    """A SIP user (softphone, desk phone, browser) that registers and calls through Switchboard.

    The password is never stored: ``password_ha1`` is the RFC 7616 MD5 ``HA1`` =
    md5(username:sip_realm:password), which is all a registrar needs to check a digest response.
    ``sip_realm`` is the realm it was computed for (the SIP domain at the time the password was
    set). The ``sip_*`` registration fields are filled by the SIP registrar."""

    __tablename__ = "endpoints"

    endpoint_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    sub_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True, default=None
    )
    app_id: Mapped[str | None] = mapped_column(
        ForeignKey("applications.app_id", ondelete="SET NULL"), index=True, default=None
    )
    username: Mapped[str] = mapped_column(String(64), unique=True)
    alias: Mapped[str] = mapped_column(String(NAME_LENGTH))
    password_ha1: Mapped[str] = mapped_column(String(32))
    sip_realm: Mapped[str] = mapped_column(String(NAME_LENGTH))
    sip_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    sip_contact: Mapped[str | None] = mapped_column(String(1024), default=None)
    sip_expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    sip_user_agent: Mapped[str | None] = mapped_column(String(NAME_LENGTH), default=None)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
