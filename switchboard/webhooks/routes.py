"""HTTP routes of the webhook extension: ``WebhookLog/`` and ``WebhookTest/``.

**Not part of Plivo's API.** These are Switchboard extensions under the account path so that the
same credentials read them; a Plivo SDK has no methods for them (use plain HTTP).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.http import API_PREFIX, Session
from switchboard.core.params import body, openapi_body
from switchboard.core.pagination import meta
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.webhooks import debuglog
from switchboard.webhooks.schemas import WebhookLogGet, WebhookLogList, WebhookLogPage, WebhookTestCreate, WebhookTestCreated

EXTENSION = "Switchboard extension, not part of Plivo's API. "
router = APIRouter(prefix=API_PREFIX, tags=["Webhook log (Switchboard extension)"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


@router.get(
    "/WebhookLog/",
    response_model=WebhookLogPage,
    summary="List webhook attempts (extension)",
    description=EXTENSION + "Every HTTP request Switchboard made to your URLs, newest first.",
)
async def list_webhook_log(
    request: Request, ctx: Ctx, session: Session, params: Annotated[WebhookLogList, Query()]
) -> Response:
    rows, total = await debuglog.list_attempts(session, ctx, params)
    filters = params.model_dump(include={"errors", "request_id", "event"}, exclude_none=True)
    if not params.errors:
        filters.pop("errors", None)
    return plivo_response(
        {
            "meta": meta(request.url.path, filters, params.limit, params.offset, total),
            "objects": [debuglog.attempt_json(row, ctx.account.auth_id) for row in rows],
        }
    )


@router.get(
    "/WebhookLog/{log_id}/",
    response_model=WebhookLogGet,
    summary="Get one webhook attempt (extension)",
    description=EXTENSION,
)
async def get_webhook_log(ctx: Ctx, session: Session, log_id: str) -> Response:
    row = await debuglog.get_attempt(session, ctx, log_id)
    return plivo_response(debuglog.attempt_json(row, ctx.account.auth_id))


@router.post(
    "/WebhookTest/",
    status_code=201,
    response_model=WebhookTestCreated,
    summary="Send test notifications (extension)",
    description=EXTENSION + "Queues `count` signed event notifications (`Event=WebhookTest`, `Sequence`) to `url`, "
    "delivered like any other (durable, retried, logged).",
    openapi_extra=openapi_body(WebhookTestCreate),
)
async def create_webhook_test(
    request: Request, ctx: Ctx, params: Annotated[WebhookTestCreate, Depends(body(WebhookTestCreate))]
) -> Response:
    items = [(params.url, {"Event": "WebhookTest", "Sequence": number}) for number in range(1, params.count + 1)]
    ids = await request.app.state.webhooks.notify_many(
        items, account=ctx.account.auth_id, method=params.method, event="test"
    )
    return plivo_response({"message": "queued", "notification_ids": ids}, 201)
