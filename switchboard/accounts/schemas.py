"""Request parameters and response shapes for Account, Subaccount and Application."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema, model_validator

from switchboard.core.pagination import PageParams
from switchboard.core.params import Params
from switchboard.core.validators import HttpMethod, Name, Text, Url


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone name such as Europe/Berlin") from None
    return value


TimeZone = Annotated[
    str, AfterValidator(_timezone), WithJsonSchema({"type": "string", "enum": sorted(available_timezones())})
]


# --- requests ---------------------------------------------------------------------------------


class AccountUpdate(Params):
    name: Name | None = None
    city: Text | None = None
    address: Text | None = None
    state: Text | None = None
    timezone: TimeZone | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> "AccountUpdate":
        if not self.model_fields_set:
            raise ValueError("give at least one of name, city, address, state, timezone")
        return self


class SubaccountCreate(Params):
    name: Name
    enabled: bool = False


class SubaccountUpdate(Params):
    name: Name | None = None
    enabled: bool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> "SubaccountUpdate":
        if not self.model_fields_set:
            raise ValueError("give name or enabled")
        return self


class SubaccountDelete(Params):
    cascade: bool = Field(False, description="Delete the subaccount's applications too; when false they move to the main account.")


class ApplicationFields(Params):
    answer_url: Url = ""
    answer_method: HttpMethod = "POST"
    hangup_url: Url = ""
    hangup_method: HttpMethod = "POST"
    fallback_answer_url: Url = ""
    fallback_method: HttpMethod = "POST"
    message_url: Url = ""
    message_method: HttpMethod = "POST"
    default_number_app: bool = False
    default_endpoint_app: bool = False
    subaccount: str | None = Field(None, description="auth_id of the subaccount the application belongs to (main account only).")
    log_incoming_messages: bool = True
    public_uri: bool = False


class ApplicationCreate(ApplicationFields):
    app_name: Name


class ApplicationUpdate(Params):
    """Every field optional: only what is given changes (the SDK re-sends its defaults)."""

    app_name: Name | None = None
    answer_url: Url | None = None
    answer_method: HttpMethod | None = None
    hangup_url: Url | None = None
    hangup_method: HttpMethod | None = None
    fallback_answer_url: Url | None = None
    fallback_method: HttpMethod | None = None
    message_url: Url | None = None
    message_method: HttpMethod | None = None
    default_number_app: bool | None = None
    default_endpoint_app: bool | None = None
    subaccount: str | None = None
    log_incoming_messages: bool | None = None
    public_uri: bool | None = None


class ApplicationList(PageParams):
    subaccount: str | None = Field(None, description="Only applications of this subaccount.")
    app_name: str | None = Field(None, description="Only applications with exactly this name.")


class ApplicationDelete(Params):
    cascade: bool = Field(True, description="Delete the endpoints that use this application.")
    new_endpoint_application: str | None = Field(None, description="app_id that the endpoints move to when cascade is false.")


# --- responses --------------------------------------------------------------------------------


class AccountObject(BaseModel):
    api_id: str
    account_type: str
    address: str
    auth_id: str
    auto_recharge: bool
    billing_mode: str
    cash_credits: str
    city: str
    name: str
    resource_uri: str
    state: str
    timezone: str


class SubaccountObject(BaseModel):
    account: str
    auth_id: str
    auth_token: str
    created: str
    enabled: bool
    modified: str | None
    name: str
    new_auth_token: str
    resource_uri: str


class SubaccountGet(SubaccountObject):
    api_id: str


class SubaccountCreated(BaseModel):
    api_id: str
    auth_id: str
    auth_token: str
    message: str


class ApplicationObject(BaseModel):
    answer_method: str
    answer_url: str
    app_id: str
    app_name: str
    application_type: str
    default_app: bool
    default_endpoint_app: bool
    enabled: bool
    fallback_answer_url: str
    fallback_method: str
    hangup_method: str
    hangup_url: str
    log_incoming_message: bool
    log_incoming_messages: bool
    message_method: str
    message_url: str
    public_uri: bool
    resource_uri: str
    sip_uri: str
    sub_account: str | None


class ApplicationGet(ApplicationObject):
    api_id: str


class ApplicationCreated(BaseModel):
    api_id: str
    app_id: str
    message: str
