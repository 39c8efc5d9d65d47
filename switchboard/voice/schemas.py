"""Request parameters and response shapes for ``Call/`` and ``Request/``."""

import re
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from switchboard.core.pagination import PageParams
from switchboard.core.params import Params
from switchboard.core.validators import HttpMethod, Url

MAX_DESTINATIONS = 1000
_SIP_HEADER = re.compile(r"^[A-Za-z0-9]+=[A-Za-z0-9]+$")
_DESTINATION = re.compile(r"^(\+?[0-9]{3,20}|sip:[A-Za-z0-9_.+\-]+@[A-Za-z0-9.\-]+(:[0-9]+)?)$")
Digits = Annotated[str, StringConstraints(pattern=r"^[0-9*#A-Da-dwW@]*$", max_length=256)]


INT32 = 2**31 - 1


class VoiceParams(Params):
    """Parameters whose text may reach the database: a NUL character is refused (PostgreSQL
    cannot store it) with a 400 naming the parameter."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str) and "\x00" in value:
                    raise ValueError(f"{key}: must not contain a NUL character")
        return data


class AsyncRequest(VoiceParams):
    """``callback_url``/``callback_method``: every voice operation accepts them (Plivo's
    asynchronous mode, see voice/async_api.py); the whole body of the DELETEs."""

    callback_url: Url = Field("", description="Answer at once and post the result here (async API).")
    callback_method: HttpMethod = "POST"


class CallCreate(AsyncRequest):
    from_: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(alias="from", description="Caller ID.")
    to: Annotated[str, StringConstraints(min_length=1, max_length=100_000)] = Field(
        description="Destination number or sip: URI; several separated by < make independent calls."
    )
    answer_url: Url
    answer_method: HttpMethod = "POST"
    ring_url: Url = ""
    ring_method: HttpMethod = "POST"
    hangup_url: Url = ""
    hangup_method: HttpMethod = "POST"
    fallback_url: Url = ""
    fallback_method: HttpMethod = "POST"
    caller_name: Annotated[str, StringConstraints(max_length=50)] = ""
    send_digits: Digits = ""
    send_on_preanswer: bool = False
    time_limit: int = Field(14_400, ge=1, description="Seconds from answer; at most 86400 (more is cut to 86400).")
    hangup_on_ring: int | None = Field(None, ge=0, le=86_400)
    ring_timeout: int = Field(120, ge=1, le=86_400)
    machine_detection: str = Field("", description="true or hangup.")
    machine_detection_time: int = Field(5000, ge=2000, le=10_000)
    machine_detection_url: Url = ""
    machine_detection_method: HttpMethod = "POST"
    machine_detection_speech_threshold: int = Field(2400, ge=1000, le=6000)
    machine_detection_speech_end_threshold: int = Field(1200, ge=500, le=5000)
    machine_detection_initial_silence: int = Field(4500, ge=2000, le=10_000)
    machine_detection_maximum_words: int = Field(3, ge=1, le=100)
    sip_headers: Annotated[str, StringConstraints(max_length=4096)] = ""
    parent_call_uuid: str | None = Field(None, max_length=36)
    error_if_parent_not_found: bool = False

    @field_validator("machine_detection")
    @classmethod
    def _machine_detection(cls, value: str) -> str:
        lowered = value.strip().lower()
        if lowered in ("", "false"):
            return ""
        if lowered not in ("true", "hangup"):
            raise ValueError("must be true or hangup")
        return lowered

    @field_validator("sip_headers")
    @classmethod
    def _headers(cls, value: str) -> str:
        for pair in filter(None, value.split(",")):
            if not _SIP_HEADER.match(pair.strip()):
                raise ValueError(f"{pair!r} is not name=value with letters and digits only")
        return value

    @model_validator(mode="after")
    def _destinations(self) -> "CallCreate":
        targets = self.destinations
        if len(targets) > MAX_DESTINATIONS:
            raise ValueError(f"to: at most {MAX_DESTINATIONS} destinations")
        for target in targets:
            if len(target) > 256 or not _DESTINATION.match(target):
                raise ValueError(f"to: {target!r} is not a phone number or sip: URI")
            if target.lstrip("+") == self.from_.lstrip("+"):
                raise ValueError("to: a call cannot be made to its own caller ID")
        self.time_limit = min(self.time_limit, 86_400)
        return self

    @property
    def destinations(self) -> list[str]:
        return [part.strip() for part in self.to.split("<") if part.strip()]

    @property
    def headers(self) -> dict[str, str]:
        pairs = [pair.strip().split("=", 1) for pair in self.sip_headers.split(",") if pair.strip()]
        return {name: value for name, value in pairs}


def _when(value: str) -> datetime:
    for pattern in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise ValueError("must be YYYY-MM-DD HH:MM[:SS[.ffffff]]")


class CallList(PageParams, AsyncRequest):
    subaccount: str | None = None
    call_direction: Literal["inbound", "outbound"] | None = None
    from_number: str | None = Field(None, max_length=256)
    to_number: str | None = Field(None, max_length=256)
    parent_call_uuid: str | None = Field(None, max_length=36)
    hangup_cause_code: int | None = Field(None, ge=0, le=99_999)
    hangup_source: str | None = Field(None, max_length=32)
    status: str | None = Field(None, description="live or queued list live calls; omitted lists call records.")
    bill_duration: int | None = Field(None, ge=0, le=INT32)
    bill_duration__gt: int | None = Field(None, ge=0, le=INT32)
    bill_duration__gte: int | None = Field(None, ge=0, le=INT32)
    bill_duration__lt: int | None = Field(None, ge=0, le=INT32)
    bill_duration__lte: int | None = Field(None, ge=0, le=INT32)
    end_time: str | None = None
    end_time__gt: str | None = None
    end_time__gte: str | None = None
    end_time__lt: str | None = None
    end_time__lte: str | None = None

    @field_validator("end_time", "end_time__gt", "end_time__gte", "end_time__lt", "end_time__lte")
    @classmethod
    def _end_time(cls, value: str | None) -> str | None:
        if value is not None:
            _when(value)
        return value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is not None and value not in ("live", "queued"):
            raise ValueError("must be live or queued")
        return value

    def end_bounds(self) -> dict[str, datetime]:
        found = {"": self.end_time, "gt": self.end_time__gt, "gte": self.end_time__gte,
                 "lt": self.end_time__lt, "lte": self.end_time__lte}
        return {op: _when(value) for op, value in found.items() if value is not None}


class CallGet(AsyncRequest):
    status: str | None = None


class CallTransfer(AsyncRequest):
    legs: Literal["aleg", "bleg", "both"] = "aleg"
    aleg_url: Url = ""
    aleg_method: HttpMethod = "POST"
    bleg_url: Url = ""
    bleg_method: HttpMethod = "POST"


Legs = Literal["aleg", "bleg", "both"]


class CallPlay(AsyncRequest):
    urls: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    length: int | None = Field(None, ge=1, le=86_400)
    legs: Legs = "aleg"
    loop: bool = False
    mix: bool = True


class CallSpeak(AsyncRequest):
    text: Annotated[str, StringConstraints(min_length=1, max_length=3000)]
    voice: str = "WOMAN"
    language: str = "en-US"
    legs: Legs = "aleg"
    loop: bool = False
    mix: bool = True
    type: str | None = None


class CallDigits(AsyncRequest):
    digits: Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[0-9*#A-Da-dwW]+$")]
    leg: Literal["aleg", "bleg"] = "aleg"


class CallFired(BaseModel):
    api_id: str
    message: str
    request_uuid: str | list[str]


class CallObject(BaseModel):
    answer_time: str | None
    bill_duration: int
    billed_duration: int
    call_direction: str
    call_duration: int
    call_uuid: str
    end_time: str | None
    from_number: str
    initiation_time: str
    parent_call_uuid: str | None
    resource_uri: str
    to_number: str
    total_amount: str
    total_rate: str
    hangup_cause_code: int | None
    hangup_cause_name: str
    hangup_source: str
    call_state: str
    conference_uuid: str | None
    stir_verification: str
    stir_attestation: str
    source_ip: str
    cnam_lookup: str
    voice_network_group: str


class LiveCallObject(BaseModel):
    api_id: str
    answer_url: str
    call_status: str
    call_uuid: str
    caller_name: str
    direction: str
    from_: str = Field(alias="from")
    parent_call_uuid: str | None
    request_uuid: str
    session_start: str
    stir_attestation: str
    stir_verification: str
    to: str
