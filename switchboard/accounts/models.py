from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.core.db import Base
from switchboard.core.validators import NAME_LENGTH, URL_LENGTH

EMAIL_LENGTH = 254  # the longest address SMTP carries (RFC 5321)


class Account(Base):
    """A main account (``MA…``, no parent) or a subaccount (``SA…``, parent is its main account)."""

    __tablename__ = "accounts"

    auth_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    auth_token: Mapped[str] = mapped_column(String(40))
    parent_auth_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    account_type: Mapped[str] = mapped_column(String(20), default="standard")
    # prepaid or postpaid; a main account's (its subaccounts spend from it). The balance
    # (Plivo's cash_credits) is not a column: it is the sum of the account's billing ledger.
    billing_mode: Mapped[str] = mapped_column(String(20), default="postpaid")
    auto_recharge: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    city: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    state: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    @property
    def is_main(self) -> bool:
        return self.parent_auth_id is None

    @property
    def main_auth_id(self) -> str:
        return self.parent_auth_id or self.auth_id


class Application(Base):
    """A set of URLs that numbers and endpoints point at. ``account_id`` is always the main account;
    ``sub_account_id`` is set when the application belongs to one of its subaccounts."""

    __tablename__ = "applications"

    app_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    sub_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True, default=None
    )
    app_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    answer_url: Mapped[str] = mapped_column(String(URL_LENGTH), default="")
    answer_method: Mapped[str] = mapped_column(String(4), default="POST")
    hangup_url: Mapped[str] = mapped_column(String(URL_LENGTH), default="")
    hangup_method: Mapped[str] = mapped_column(String(4), default="POST")
    fallback_answer_url: Mapped[str] = mapped_column(String(URL_LENGTH), default="")
    fallback_method: Mapped[str] = mapped_column(String(4), default="POST")
    message_url: Mapped[str] = mapped_column(String(URL_LENGTH), default="")
    message_method: Mapped[str] = mapped_column(String(4), default="POST")
    default_number_app: Mapped[bool] = mapped_column(Boolean, default=False)
    default_endpoint_app: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    public_uri: Mapped[bool] = mapped_column(Boolean, default=False)
    log_incoming_messages: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConsoleUser(Base):
    """Someone who signs in to the console with an email and a password, as the main account
    ``auth_id``. ``email`` is kept in lower case (so it is unique whatever case it is typed in);
    ``password_hash`` is an argon2id hash in its PHC string form."""

    __tablename__ = "console_users"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    auth_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sign_in: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
