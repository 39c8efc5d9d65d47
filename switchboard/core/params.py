"""Reading request parameters the way the official SDKs send them.

The SDKs send JSON bodies (also on DELETE), curl users send forms, GETs carry a query string,
and values arrive loosely typed (``"true"``, ``true``, ``1``, ``"20"``, ``null``). Each
resource describes its parameters with a :class:`Params` model; this module reads the request
into a plain dict and validates it into that model, turning every mistake into a Plivo 400.
"""

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import orjson
import pydantic
from fastapi import Request
from pydantic import BaseModel, ConfigDict, model_validator

from switchboard.core.errors import ValidationError

MAX_BODY_BYTES = 1024 * 1024


def _case_insensitive(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


_BOOL_WORDS = ("true", "false", "t", "f", "yes", "no", "y", "n", "on", "off", "1", "0")
_LOOSE_BOOL = {"type": "string", "pattern": "^(" + "|".join(_case_insensitive(w) for w in _BOOL_WORDS) + ")$"}
_LOOSE_INT = {"type": "string", "pattern": r"^[+-]?[0-9]+$"}
_CONSTRAINED = {"pattern", "enum", "format", "const"}


def _loose_branches(branch: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON-schema alternatives the coercion in :class:`Params` accepts besides ``branch``."""
    kind = branch.get("type")
    if kind == "boolean":
        return [branch, _LOOSE_BOOL, {"type": "number", "enum": [0, 1]}]
    if kind == "integer":
        return [branch, _LOOSE_INT]
    if kind == "string" and not _CONSTRAINED & branch.keys():
        return [branch, {"type": "number"}]
    return [branch]


def _describe_loose_types(schema: dict[str, Any]) -> None:
    """Make the published schema say what the server really accepts: "true"/1 for booleans,
    "20" for integers, numbers for plain strings, and null for anything optional."""
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        core = {k: v for k, v in prop.items() if k not in ("title", "description", "default")}
        branches = core["anyOf"] if "anyOf" in core else [core]
        loose = [alternative for branch in branches for alternative in _loose_branches(branch)]
        if name not in required and {"type": "null"} not in loose:
            loose.append({"type": "null"})
        meta = {k: v for k, v in prop.items() if k in ("title", "description", "default")}
        schema["properties"][name] = {**meta, "anyOf": loose} if len(loose) > 1 else {**meta, **loose[0]}


class Params(BaseModel):
    """Base for request parameter models: unknown keys ignored, ``null`` means "not given"."""

    model_config = ConfigDict(
        extra="ignore",
        coerce_numbers_to_str=True,
        str_strip_whitespace=True,
        json_schema_extra=_describe_loose_types,
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            if _has_nul(value):
                raise ValueError(f"{key} must not contain the NUL character")
        return {key: value for key, value in data.items() if value is not None}


def _has_nul(value: Any) -> bool:
    """A NUL anywhere in a string value (PostgreSQL cannot store or compare one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(item) for item in value.values())
    return False


M = TypeVar("M", bound=BaseModel)


def _multi_to_dict(items: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in items:
        if key in result:
            existing = result[key]
            result[key] = existing + [value] if isinstance(existing, list) else [existing, value]
        else:
            result[key] = value
    return result


async def read_params(request: Request) -> dict[str, Any]:
    """Query string merged with the body (JSON object, urlencoded or multipart form); the body wins."""
    params = _multi_to_dict(list(request.query_params.multi_items()))
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ValidationError(f"request body is larger than {MAX_BODY_BYTES} bytes")
    if not body.strip():
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form()
        except Exception as exc:  # the multipart parser raises several types for bad input
            raise ValidationError(f"malformed form body: {exc}") from None
        params.update(_multi_to_dict([(k, v) for k, v in form.multi_items() if isinstance(v, str)]))
        return params
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"malformed JSON body: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError("request body must be a JSON object")
    params.update(data)
    return params


def describe(errors: Sequence[Any]) -> str:
    """One sentence per problem, naming the parameter, in the order they were found. Takes
    pydantic's (or FastAPI's) error list; FastAPI's ``query``/``body``/``path`` prefix is dropped."""
    parts = []
    for item in errors:
        loc = [str(part) for part in item.get("loc", ()) if part not in ("query", "body", "path")]
        field = ".".join(loc) or "body"
        if item.get("type") == "missing":
            parts.append(f"{field} is required")
        else:
            parts.append(f"{field}: {item.get('msg')}")
    return "; ".join(parts)


def validate(model: type[M], params: dict[str, Any]) -> M:
    try:
        return model.model_validate(params)
    except pydantic.ValidationError as exc:
        raise ValidationError(describe(exc.errors(include_url=False))) from None


def body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A FastAPI dependency that reads and validates the request into ``model``."""

    async def dependency(request: Request) -> M:
        return validate(model, await read_params(request))

    dependency.__name__ = f"read_{model.__name__}"
    return dependency


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with every ``$ref`` to its ``$defs`` replaced by the definition itself."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


def openapi_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """The ``requestBody`` to declare for a route that reads ``model`` through :func:`body`,
    self-contained: nested models are inlined, since FastAPI publishes no components for them.

    Only JSON is declared: it is what the SDKs send, and it can say ``null`` and ``true``. Form
    bodies with the same keys are accepted too (see the API description)."""
    schema = model.model_json_schema(by_alias=True)
    return {
        "requestBody": {
            "required": required,
            "content": {
                "application/json": {"schema": _inline(schema, schema.get("$defs", {}))},
            },
        }
    }
