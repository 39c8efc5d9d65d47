"""Plivo's asynchronous API mode for the voice operations.

Any voice request may carry ``callback_url`` (and ``callback_method``, POST by default). Plivo then
answers at once with ``{"api_id", "message": "async api spawned"}`` and posts the operation's
result to ``callback_url`` later. Switchboard checks the parameters first (a malformed request is
still a 400 at once), then runs the operation in the background. The callback carries what the
synchronous answer would have said, as snake_case form fields (Plivo's convention for REST
callbacks): ``api_id`` (the id returned at once), the response's own fields (``message``,
``request_uuid`` …; nested ones such as a list's ``objects`` as JSON text), or ``error`` when the
operation failed (a call that had ended, say); and ``status_code``, the HTTP status the synchronous
request would have had.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import Response

from switchboard.accounts.auth import AuthContext
from switchboard.core.errors import PlivoError
from switchboard.core.ids import new_api_id
from switchboard.core.responses import JSONResponse, Message
from switchboard.voice.engine import VoiceEngine
from switchboard.voice.schemas import AsyncRequest

log = logging.getLogger("switchboard.voice")
SPAWNED = "async api spawned"
# For the routes' OpenAPI: what an operation answers in asynchronous mode.
SPAWNED_RESPONSE: dict[int | str, dict[str, Any]] = {
    202: {"model": Message, "description": "With callback_url: accepted, the result is posted there later"},
}


Operation = Callable[[], Awaitable[Response]]


async def respond(voice: VoiceEngine, ctx: AuthContext, params: AsyncRequest, operation: Operation,
                  done: str) -> Response:
    """Run ``operation`` now, or, with a ``callback_url``, in the background with its result posted
    there. ``done`` is the callback's ``message`` for an operation whose answer has no body (204)."""
    if not params.callback_url:
        return await operation()
    api_id = new_api_id()
    owner = ctx.sub_auth_id or ctx.main_auth_id
    voice.spawn(_run(voice, owner, params, operation, done, api_id), f"async-api-{api_id}")
    return JSONResponse({"api_id": api_id, "message": SPAWNED}, status_code=202)


def _form_value(value: Any) -> Any:
    """Form fields are flat: a list of strings becomes repeated fields (``request_uuid`` of a bulk
    call), anything nested (a list's ``meta`` and ``objects``) a JSON string."""
    if isinstance(value, dict) or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
        return orjson.dumps(value).decode()
    return value


async def _run(voice: VoiceEngine, owner: str, params: AsyncRequest, operation: Operation, done: str,
               api_id: str) -> None:
    result: dict[str, Any]
    try:
        response = await operation()
        result = orjson.loads(response.body) if response.body else {"message": done}
        status = response.status_code
    except PlivoError as exc:
        result, status = {"error": exc.message}, exc.status_code
    except Exception:
        log.exception("asynchronous API request %s failed", api_id)
        result, status = {"error": "internal error"}, 500
    result = {key: _form_value(value) for key, value in result.items()}
    result.update(api_id=api_id, status_code=status)
    try:
        await voice.webhooks.notify(params.callback_url, result, account=owner, method=params.callback_method,
                                    event="call.async_api")
    except Exception:
        log.exception("asynchronous API request %s: storing its callback failed", api_id)
