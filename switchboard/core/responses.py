"""Plivo-shaped JSON responses: every body carries an ``api_id``."""

from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel
from starlette.responses import JSONResponse as StarletteJSONResponse

from switchboard.core.ids import new_api_id


class JSONResponse(StarletteJSONResponse):
    """JSON rendered with orjson (a subclass of Starlette's, so the OpenAPI shows the models)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def plivo_response(content: dict[str, Any], status_code: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"api_id": new_api_id(), **content}, status_code=status_code, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)


class ErrorBody(BaseModel):
    api_id: str
    error: str


class Message(BaseModel):
    api_id: str
    message: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Invalid parameters"),
        (401, "Missing or wrong credentials"),
        (403, "The credentials may not act on this account or resource"),
        (404, "No such resource"),
        (405, "Method not allowed on this resource"),
        (429, "Too many failed authentication attempts"),
    )
}
