"""Request parameters and response shapes for ``Message/`` and ``Media/``."""

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StringConstraints

from switchboard.core.pagination import ListResponse, PageParams
from switchboard.core.params import Params
from switchboard.core.validators import HttpMethod, Url

MessageState = Literal["queued", "sent", "failed", "delivered", "undelivered", "rejected", "read", "received"]


def _string_list(value: Any) -> Any:
    """``media_urls``/``media_ids``: a JSON list, a repeated form field, or one comma-separated string."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def parse_time(value: str) -> datetime:
    """Plivo's filter times: ``YYYY-MM-DD HH:MM[:SS[.ffffff]]`` (UTC) or a date."""
    text = value.strip()
    for pattern in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise ValueError("must be a time as YYYY-MM-DD HH:MM[:SS[.ffffff]] (UTC)")


FilterTime = Annotated[str, AfterValidator(lambda value: parse_time(value) and value)]
RawText = Annotated[str, StringConstraints(strip_whitespace=False)]
"""Text kept exactly as sent (spaces at either end are part of the message)."""
StringList = Annotated[list[str], BeforeValidator(_string_list)]


class MessageSend(Params):
    src: str | None = Field(None, description="Sender: a number of the account with SMS enabled, or an alphanumeric sender ID.")
    dst: str | None = Field(None, description="Destination number(s); several separated by '<'.")
    text: RawText | None = Field(None, description="Message text: at most 1,600 GSM characters or 737 Unicode ones.")
    type: Literal["sms", "mms", "whatsapp"] = Field("sms", description="sms or mms (whatsapp is not supported).")
    url: Url = Field("", description="Status callback URL, called on every state change.")
    method: HttpMethod = "POST"
    log: bool = Field(True, description="false: the text is not kept once the message is sent.")
    trackable: bool = False
    media_urls: StringList | None = Field(None, description="MMS: URLs of up to 10 media files.")
    media_ids: StringList | None = Field(None, description="MMS: ids of media uploaded with Media/.")
    powerpack_uuid: str | None = Field(None, description="Number pools are not supported yet.")
    message_expiry: int | None = Field(None, ge=0, le=2**31 - 1, description="Accepted and ignored.")


class MessageList(PageParams):
    subaccount: str | None = None
    message_direction: Literal["inbound", "outbound"] | None = None
    message_state: MessageState | None = None
    message_type: Literal["sms", "mms", "whatsapp"] | None = None
    message_time: FilterTime | None = None
    message_time__gt: FilterTime | None = None
    message_time__gte: FilterTime | None = None
    message_time__lt: FilterTime | None = None
    message_time__lte: FilterTime | None = None
    error_code: int | None = Field(None, ge=0, le=99_999, description="Plivo error code of failed or undelivered messages.")
    from_number: str | None = None
    to_number: str | None = None
    destination_country_iso2: str | None = None
    powerpack_id: str | None = None
    tendlc_campaign_id: str | None = None
    tendlc_registration_status: str | None = None
    conversation_id: str | None = None
    conversation_origin: str | None = None


class MediaList(PageParams):
    pass


class MessageObject(BaseModel):
    error_code: str | None
    error_message: str
    from_number: str
    message_direction: str
    message_state: str
    message_time: str
    message_type: str
    message_uuid: str
    resource_uri: str
    to_number: str
    total_amount: str
    total_rate: str
    units: int
    message_sent_time: str | None
    message_updated_time: str | None
    destination_country_iso2: str
    powerpack_id: str | None
    requester_ip: str
    is_domestic: bool
    replaced_sender: str
    destination_network: str | None
    carrier_fees: str
    carrier_fees_rate: str
    log: str = Field(description='"true" or "false" (a string, as the Go SDK types it).')
    tendlc_campaign_id: str | None
    tendlc_registration_status: str | None
    dlt_entity_id: str | None
    dlt_template_id: str | None
    dlt_template_category: str | None
    conversation_id: str
    conversation_origin: str
    conversation_expiration_timestamp: str


class MessageGet(MessageObject):
    api_id: str


class MessageSent(BaseModel):
    api_id: str
    message: str
    message_uuid: list[str]


class MediaObject(BaseModel):
    content_type: str
    file_name: str
    media_id: str
    media_url: str
    size: int
    upload_time: str
    message_uuid: str | None = None


class MediaGet(MediaObject):
    api_id: str


class MessageMediaList(BaseModel):
    api_id: str
    message_uuid: str
    objects: list[MediaObject]


class MediaUploaded(BaseModel):
    api_id: str
    objects: list[dict[str, Any]]


MessageListResponse = ListResponse[MessageObject]
MediaListResponse = ListResponse[MediaObject]
