"""Request parameters and response shapes for PhoneNumber, Number and the carriers."""

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from switchboard.core.pagination import ListResponse, PageParams
from switchboard.core.params import Params
from switchboard.core.validators import Name, Text
from switchboard.numbers.phone import CountryIso
from switchboard.pricing.table import SERVICES

TYPE_ALIASES = {"local": "local", "fixed": "local", "mobile": "mobile", "tollfree": "tollfree", "toll-free": "tollfree", "national": "national"}


def _number_type(value: str) -> str:
    kind = TYPE_ALIASES.get(value.strip().lower())
    if kind is None:
        raise ValueError("must be one of local, fixed, mobile, tollfree, national")
    return kind


def _services(value: str) -> str:
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in SERVICES]
    if not names or unknown:
        raise ValueError("must be a comma-separated list of voice, sms, mms")
    return ",".join(name for name in SERVICES if name in names)


def _pattern(value: str) -> str:
    if not value or any(ch not in "0123456789*" for ch in value) or len(value) > 15:
        raise ValueError("may contain only digits and * (any digit), at most 15 characters")
    return value


def _digits(value: str) -> str:
    stripped = value.lstrip("+")
    if not stripped.isdigit() or len(stripped) > 15:
        raise ValueError("must be digits")
    return stripped


def _cnam(value: str) -> str:
    lowered = value.strip().lower()
    if lowered not in ("enabled", "disabled"):
        raise ValueError("must be enabled or disabled")
    return lowered


def _number_list(value: Any) -> Any:
    """Comma-separated text or a JSON list. The Python SDK, given a list, sends its ``str()``
    (``"['a', 'b']"``), so brackets and quotes around the items are tolerated too."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        return [part.strip().strip("'\"").strip() for part in text.split(",") if part.strip().strip("'\"").strip()]
    return value


NumberType = Annotated[str, AfterValidator(_number_type)]
Services = Annotated[str, AfterValidator(_services)]
Pattern = Annotated[str, AfterValidator(_pattern)]
Digits = Annotated[str, AfterValidator(_digits)]
CnamLookup = Annotated[str, AfterValidator(_cnam)]


# --- PhoneNumber (inventory) ------------------------------------------------------------------


class PhoneNumberSearch(PageParams):
    country_iso: CountryIso = Field(description="Two-letter country code.")
    type: NumberType = Field("local", description="local (or fixed), mobile, tollfree or national.")
    pattern: Pattern | None = Field(None, description="Digits the number starts with after the country code; * is any digit.")
    region: str | None = Field(None, description="Part of the region (state, province) name.")
    city: str | None = Field(None, description="Part of the city name.")
    services: Services | None = Field(None, description="Comma-separated: voice, sms, mms; all must be supported.")
    lata: Digits | None = Field(None, description="US/CA: the LATA.")
    rate_center: str | None = Field(None, description="US/CA: the rate center name.")
    npanxx: Digits | None = Field(None, description="US/CA: area code and exchange (6 digits).")
    local_calling_area: bool | None = Field(None, description="Accepted; every match is returned.")
    eligible: bool | None = Field(None, description="Accepted; every inventory number is eligible.")


class PhoneNumberBuy(Params):
    app_id: str | None = Field(None, description="Application for the number; default: the default number app.")
    cnam_lookup: CnamLookup | None = None
    verification_info: dict[str, Any] | None = None
    ha_enable: bool | None = None
    compliance_application_id: str | None = None


# --- Number (rented) --------------------------------------------------------------------------


class NumberList(PageParams):
    type: NumberType | None = None
    number_startswith: Digits | None = None
    subaccount: str | None = None
    alias: str | None = None
    services: Services | None = None
    tendlc_registration_status: str | None = None
    tendlc_campaign_id: str | None = None
    toll_free_sms_verification: str | None = None
    toll_free_sms_verification_order_status: str | None = None
    cnam_lookup: CnamLookup | None = None
    renewal_date: date | None = None
    renewal_date__lt: date | None = None
    renewal_date__lte: date | None = None
    renewal_date__gt: date | None = None
    renewal_date__gte: date | None = None


class NumberUpdate(Params):
    app_id: str | None = Field(None, description="Application for the number; empty string removes it.")
    subaccount: str | None = Field(None, description="Subaccount to move the number to (main account only); empty string moves it back.")
    alias: Text | None = None
    cnam_lookup: CnamLookup | None = None
    verification_info: dict[str, Any] | None = None


class NumberCreate(Params):
    """Numbers from the account's own carrier (``POST Number/``)."""

    numbers: Annotated[list[str], BeforeValidator(_number_list)] = Field(description="Comma-separated E.164 numbers.")
    carrier: str = Field(description="carrier_id of one of the account's incoming carriers.")
    region: Name = Field(description="Free text: where the numbers are.")
    number_type: NumberType = "local"
    app_id: str | None = None
    subaccount: str | None = None

    @model_validator(mode="after")
    def _some_numbers(self) -> "NumberCreate":
        if not self.numbers:
            raise ValueError("numbers: give at least one number")
        if len(self.numbers) > 100:
            raise ValueError("numbers: at most 100 numbers at a time")
        return self


# --- responses --------------------------------------------------------------------------------


class PhoneNumberObject(BaseModel):
    city: str
    country: str
    lata: int | None
    mms_enabled: bool
    mms_rate: str
    monthly_rental_rate: str
    number: str
    prefix: str
    prerequisites: list[dict[str, Any]]
    rate_center: str | None
    region: str
    resource_uri: str
    restriction: str | None
    restriction_text: str | None
    setup_rate: str
    sms_enabled: bool
    sms_rate: str
    type: str
    voice_enabled: bool
    voice_rate: str


class BoughtNumber(BaseModel):
    number: str
    status: str
    fallback_number: str | None


class PhoneNumberBought(BaseModel):
    api_id: str
    message: str
    numbers: list[BoughtNumber]
    status: str


class NumberObject(BaseModel):
    active: bool
    added_on: str
    alias: str | None
    application: str | None
    carrier: str
    city: str
    cnam_lookup: str | None
    compliance_application_id: str | None
    compliance_status: str | None
    country: str
    mms_enabled: bool
    mms_rate: str
    monthly_rental_rate: str
    number: str
    number_type: str
    region: str
    renewal_date: str
    resource_uri: str
    sms_enabled: bool
    sms_rate: str
    sub_account: str | None
    tendlc_campaign_id: str | None
    tendlc_registration_status: str | None
    toll_free_sms_verification: str | None
    voice_enabled: bool
    voice_rate: str


class NumberGet(NumberObject):
    api_id: str


PhoneNumberList = ListResponse[PhoneNumberObject]
NumberListResponse = ListResponse[NumberObject]
