"""Parameters and responses of the webhook REST extension (not part of Plivo's API)."""

from typing import Any

from pydantic import BaseModel, Field

from switchboard.core.pagination import Meta, PageParams
from switchboard.core.params import Params
from switchboard.core.validators import HttpMethod, Url


class WebhookLogList(PageParams):
    errors: bool = Field(False, description="Only failed attempts.")
    request_id: str | None = Field(None, description="Only the attempts of this fetch or notification.")
    event: str | None = Field(None, description="Only attempts for this event (answer, hangup, message_status …).")


class WebhookTestCreate(Params):
    url: Url = Field(description="Where to send the test notifications (absolute http(s) URL; a #ct=…&rc=… fragment applies).")
    method: HttpMethod = "POST"
    count: int = Field(1, ge=1, le=1000, description="How many notifications to queue, 1 to 1000.")


class WebhookLogObject(BaseModel):
    log_id: str
    time: str
    account: str
    kind: str
    event: str
    request_id: str
    attempt: int
    url: str
    method: str
    params: dict[str, Any]
    status_code: int | None
    latency_ms: float
    response_snippet: str
    outcome: str
    error: str
    resource_uri: str


class WebhookLogGet(WebhookLogObject):
    api_id: str


class WebhookLogPage(BaseModel):
    api_id: str
    meta: Meta
    objects: list[WebhookLogObject]


class WebhookTestCreated(BaseModel):
    api_id: str
    message: str
    notification_ids: list[str]
