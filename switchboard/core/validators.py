"""Reusable annotated types for request parameters, with messages a developer can act on."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints, WithJsonSchema


NAME_LENGTH = 255
URL_LENGTH = 2048


def _http_method(value: str) -> str:
    upper = value.upper()
    if upper not in ("GET", "POST"):
        raise ValueError("must be GET or POST")
    return upper


def _url(value: str) -> str:
    if value == "":
        return value
    if len(value) > URL_LENGTH:
        raise ValueError(f"must be at most {URL_LENGTH} characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def no_nul(value: str) -> str:
    """For models outside :class:`~switchboard.core.params.Params` (which refuses NUL characters itself)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


HttpMethod = Annotated[
    str, AfterValidator(_http_method), WithJsonSchema({"type": "string", "pattern": "^([Gg][Ee][Tt]|[Pp][Oo][Ss][Tt])$"})
]
"""``GET`` or ``POST``, any case."""

Url = Annotated[
    str,
    AfterValidator(_url),
    WithJsonSchema({"type": "string", "maxLength": URL_LENGTH, "pattern": r"^(https?://[^/?#\s@]+([/?#]\S*)?)?$"}),
]
"""An absolute http(s) URL, or empty for "none"."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH)]
"""A non-empty display name of at most 255 characters."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=NAME_LENGTH)]
"""Free text of at most 255 characters; empty allowed."""
