"""What every console page shares: error pages and paging links."""

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

import pydantic

from switchboard.core.errors import PlivoError
from switchboard.core.pagination import PageParams
from switchboard.core.params import describe

T = TypeVar("T")


class PageError(Exception):
    """Answered with the error page: ``status`` and the API's message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


async def shown(action: Awaitable[T]) -> T:
    """A service call for a page: its error (404 not this account's, 403 not allowed to a
    subaccount, ...) becomes the error page with the service's message."""
    try:
        return await action
    except PlivoError as exc:
        raise PageError(exc.status_code, exc.message) from None


@dataclass(frozen=True)
class Page:
    first: int  # 1-based number of the first row shown (0 when there are none)
    last: int
    total: int
    previous: str | None
    next: str | None


def page_of(path: str, params: PageParams, total: int, filters: Mapping[str, Any] | str | None = None) -> Page:
    """Where the list is (rows ``first``..``last`` of ``total``) and links to its neighbours,
    keeping the list's ``filters`` (a mapping, or a query string) in the links."""
    pairs = parse_qsl(filters, keep_blank_values=True) if isinstance(filters, str) else list((filters or {}).items())
    kept = [(name, value) for name, value in pairs if name not in ("limit", "offset")]

    def link(offset: int) -> str:
        return f"{path}?{urlencode([*kept, ('limit', params.limit), ('offset', offset)])}"

    shown = max(min(params.limit, total - params.offset), 0)
    return Page(
        first=params.offset + 1 if shown else 0,
        last=params.offset + shown,
        total=total,
        previous=link(max(params.offset - params.limit, 0)) if params.offset > 0 else None,
        next=link(params.offset + params.limit) if params.offset + params.limit < total else None,
    )


def page_params(query: Mapping[str, str]) -> PageParams:
    """``limit`` and ``offset`` of a list page's query (as the API reads them); a bad one is a 400 page."""
    try:
        return PageParams.model_validate({key: query[key] for key in ("limit", "offset") if key in query})
    except pydantic.ValidationError as exc:
        raise PageError(400, describe(exc.errors(include_url=False))) from None
