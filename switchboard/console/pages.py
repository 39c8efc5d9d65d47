"""What every console page shares: error pages, paging links and reading a form as the API would."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pydantic

from switchboard.core.pagination import PageParams
from switchboard.core.params import Params, describe


class PageError(Exception):
    """Answered with the error page: ``status`` and the API's message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Page:
    first: int  # 1-based number of the first row shown (0 when there are none)
    last: int
    total: int
    previous: str | None
    next: str | None


def page_of(path: str, params: PageParams, total: int) -> Page:
    def link(offset: int) -> str:
        return f"{path}?{urlencode({'limit': params.limit, 'offset': offset})}"

    shown = max(min(params.limit, total - params.offset), 0)
    return Page(
        first=params.offset + 1 if shown else 0,
        last=params.offset + shown,
        total=total,
        previous=link(max(params.offset - params.limit, 0)) if params.offset > 0 else None,
        next=link(params.offset + params.limit) if params.offset + params.limit < total else None,
    )


def validate(model: type[Params], values: dict[str, Any]) -> tuple[Params | None, dict[str, str]]:
    """``values`` read into the API's parameter model, or the API's messages keyed by the field
    they name (``""`` for a message about the whole form)."""
    try:
        return model.model_validate(values), {}
    except pydantic.ValidationError as exc:
        errors: dict[str, str] = {}
        for item in exc.errors(include_url=False):
            name = str(item["loc"][0]) if item.get("loc") else ""
            errors.setdefault(name, describe([item]))
        return None, errors
