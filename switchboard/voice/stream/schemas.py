"""Parameters and response shapes of ``Call/{uuid}/Stream/`` (the SDKs' names and JSON types:
``rounded_bill_duration`` and ``billed_amount`` are strings, as plivo-go reads them)."""

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from switchboard.core.clock import format_time
from switchboard.core.pagination import PageParams
from switchboard.core.validators import HttpMethod
from switchboard.voice.schemas import VoiceParams
from switchboard.voice.stream.formats import DEFAULT_CONTENT_TYPE
from switchboard.voice.stream.session import StreamSession

ContentType = Literal["audio/x-l16;rate=8000", "audio/x-l16;rate=16000", "audio/x-mulaw;rate=8000"]


class StreamStart(VoiceParams):
    service_url: str = Field(min_length=1, max_length=2048, description="The ws:// or wss:// URL to stream to.")
    bidirectional: bool = False
    audio_track: Literal["inbound", "outbound", "both"] = "inbound"
    stream_timeout: int = Field(86_400, ge=1, le=86_400)
    status_callback_url: str = Field("", max_length=2048)
    status_callback_method: HttpMethod = "POST"
    content_type: ContentType = DEFAULT_CONTENT_TYPE
    extra_headers: str = Field("", max_length=512)
    cx_bot: bool = False
    noise_cancellation: bool = False
    noise_cancellation_level: int = Field(85, ge=60, le=100)

    @field_validator("service_url")
    @classmethod
    def _websocket(cls, value: str) -> str:
        if not value.lower().startswith(("ws://", "wss://")) or len(value.split("://", 1)[1]) == 0:
            raise ValueError("must be a ws:// or wss:// URL")
        return value

    @field_validator("status_callback_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value


class StreamList(PageParams):
    pass


class StreamObject(BaseModel):
    api_id: str | None = None
    audio_track: str
    bidirectional: bool
    bill_duration: int
    billed_amount: str
    call_uuid: str
    content_type: str
    created_at: str | None
    end_time: str | None
    plivo_auth_id: str
    resource_uri: str
    rounded_bill_duration: str
    service_url: str
    start_time: str | None
    status: str
    status_callback_url: str
    stream_id: str


class StreamStarted(BaseModel):
    api_id: str
    message: str
    stream_id: str


def rounded_minutes(seconds: int) -> int:
    """Plivo's 60-second rounding: whole minutes up, at least one."""
    return max(1, -(-seconds // 60)) * 60


def stream_json(session: StreamSession, auth_id: str) -> dict[str, Any]:
    options = session.options
    seconds = int(round(session.seconds))
    return {
        "audio_track": options.audio_track,
        "bidirectional": options.bidirectional,
        "bill_duration": seconds,
        "billed_amount": f"{session.billed_amount():.5f}",
        "call_uuid": session.call.call_uuid,
        "content_type": options.content_type,
        "created_at": format_time(session.created_at),
        "end_time": format_time(session.end_time),
        "plivo_auth_id": auth_id,
        "resource_uri": f"/v1/Account/{auth_id}/Call/{session.call.call_uuid}/Stream/{session.stream_id}/",
        "rounded_bill_duration": str(rounded_minutes(seconds) if session.start_time else 0),
        "service_url": options.service_url,
        "start_time": format_time(session.start_time),
        "status": session.status,
        "status_callback_url": options.status_callback_url,
        "stream_id": session.stream_id,
    }
