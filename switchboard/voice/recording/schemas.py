"""Request parameters and response shapes of the Record API, the Recording and the Transcription
resources."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from switchboard.core.pagination import PageParams
from switchboard.core.validators import HttpMethod, Url
from switchboard.voice.elements import MAX_RECORD_SECONDS
from switchboard.voice.schemas import VoiceParams, _when

OPS = ("", "gt", "gte", "lt", "lte")
MAX_DAYS = 36_500  # a century: further back than any date the database can compare with


class ConferenceRecordStart(VoiceParams):
    file_format: Literal["mp3", "wav"] = "mp3"
    transcription_type: Literal["auto", "hybrid"] | None = None
    transcription_url: Url = ""
    transcription_method: HttpMethod = "POST"
    callback_url: Url = ""
    callback_method: HttpMethod = "POST"


class CallRecordStart(ConferenceRecordStart):
    time_limit: int = Field(60, ge=1, le=MAX_RECORD_SECONDS, description="Seconds after which recording stops.")
    transcription_report_type: str | None = Field(None, max_length=32)
    record_channel_type: Literal["mono", "stereo"] = "mono"


class CallRecordStop(VoiceParams):
    URL: str | None = Field(None, max_length=2048, description="Stop only the recording at this URL.")


class RecordingStarted(BaseModel):
    api_id: str
    message: str
    recording_id: str
    url: str


class RecordingList(PageParams, VoiceParams):
    subaccount: str | None = Field(None, max_length=20)
    call_uuid: str | None = Field(None, max_length=36)
    from_number: str | None = Field(None, max_length=256)
    to_number: str | None = Field(None, max_length=256)
    conference_name: str | None = Field(None, max_length=256)
    conference_uuid: str | None = Field(None, max_length=36)
    mpc_name: str | None = Field(None, max_length=256)
    mpc_uuid: str | None = Field(None, max_length=36)
    cursor: str | None = Field(None, max_length=256, description="Accepted for the SDK; pages follow offset.")
    add_time: str | None = None
    add_time__gt: str | None = None
    add_time__gte: str | None = None
    add_time__lt: str | None = None
    add_time__lte: str | None = None
    recording_storage_duration: int | None = Field(None, ge=0, le=MAX_DAYS)
    recording_storage_duration__gt: int | None = Field(None, ge=0, le=MAX_DAYS)
    recording_storage_duration__gte: int | None = Field(None, ge=0, le=MAX_DAYS)
    recording_storage_duration__lt: int | None = Field(None, ge=0, le=MAX_DAYS)
    recording_storage_duration__lte: int | None = Field(None, ge=0, le=MAX_DAYS)

    @field_validator("add_time", "add_time__gt", "add_time__gte", "add_time__lt", "add_time__lte")
    @classmethod
    def _add_time(cls, value: str | None) -> str | None:
        if value is not None:
            _when(value)
        return value

    def add_time_bounds(self) -> dict[str, datetime]:
        return {op: _when(value) for op in OPS
                if (value := getattr(self, f"add_time__{op}" if op else "add_time")) is not None}

    def storage_days_bounds(self) -> dict[str, int]:
        name = "recording_storage_duration"
        return {op: value for op in OPS if (value := getattr(self, f"{name}__{op}" if op else name)) is not None}


class RecordingObject(BaseModel):
    add_time: str
    call_uuid: str
    conference_name: str
    from_number: str
    to_number: str
    monthly_recording_storage_amount: float
    recording_duration_ms: str
    recording_end_ms: str
    recording_format: str
    recording_id: str
    recording_start_ms: str
    recording_storage_duration: int
    recording_storage_rate: float
    recording_type: str
    recording_url: str
    resource_uri: str
    rounded_recording_duration: int


class TranscriptionCreate(VoiceParams):
    transcription_callback_url: Url = ""
    transcription_callback_method: HttpMethod = "POST"


class TranscriptionGet(VoiceParams):
    type: str | None = Field(None, max_length=16)


class TranscriptionObject(BaseModel):
    api_id: str
    cost: float
    rate: float
    recording_duration_ms: int
    recording_start_ms: int
    status: str
    transcription: str
