"""Request parameters and response shapes of Switchboard's billing extensions."""

from pydantic import BaseModel, Field

from switchboard.core.pagination import Meta, PageParams
from switchboard.core.params import Params


class CouponRedeem(Params):
    coupon_code: str = Field(min_length=1, max_length=64, description="The code printed by `switchboard coupon create`.")


class CouponRedeemed(BaseModel):
    api_id: str
    message: str
    amount: str
    cash_credits: str


class UsageQuery(Params):
    start_date: str = Field(max_length=32, description="First day of the period, YYYY-MM-DD, in the account's timezone.")
    end_date: str | None = Field(None, max_length=32, description="Last day of the period (included); default: today.")


class InvoiceList(PageParams):
    pass


class InvoiceFormat(Params):
    format: str = Field("json", max_length=8, description="json (default), csv, or html (a printable page).")


class AutoRechargeUpdate(Params):
    auto_recharge: bool | None = Field(None, description="Turn auto-recharge on or off.")
    threshold: str | None = Field(None, max_length=32, description="Recharge when the balance drops below this (default 25).")
    amount: str | None = Field(None, max_length=32, description="How much to recharge: 25, 50, 100, 250, 500 or 1000.")


class UsageLine(BaseModel):
    service: str
    country_iso: str
    direction: str
    count: int
    quantity: str
    unit: str
    amount: str


class CreditLine(BaseModel):
    type: str
    count: int
    amount: str


class SubaccountUsage(BaseModel):
    auth_id: str
    total_charges: str
    charges: dict[str, str]
    usage: list[UsageLine]


class UsageReport(BaseModel):
    api_id: str
    account: str
    subaccount: str | None
    timezone: str
    start_date: str
    end_date: str
    total_charges: str
    total_credits: str
    charges: dict[str, str]
    usage: list[UsageLine]
    credits: list[CreditLine]
    subaccounts: list[SubaccountUsage]


class InvoiceObject(UsageReport):
    invoice_id: str
    month: str
    opening_balance: str
    closing_balance: str
    resource_uri: str


class InvoiceSummary(BaseModel):
    invoice_id: str
    month: str
    start_date: str
    end_date: str
    resource_uri: str


class InvoicePage(BaseModel):
    api_id: str
    meta: Meta
    objects: list[InvoiceSummary]


class AutoRechargeObject(BaseModel):
    api_id: str
    auto_recharge: bool
    threshold: str
    amount: str
    payment_provider: bool
    last_failure: str | None
