"""What every console page shares: error pages and paging links."""

from dataclasses import dataclass
from urllib.parse import urlencode

from switchboard.core.pagination import PageParams


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


def page_of(path: str, params: PageParams, total: int, query: str = "") -> Page:
    """Where the pager links lead; ``query`` (a list's filters) is kept on them."""
    def link(offset: int) -> str:
        paging = urlencode({'limit': params.limit, 'offset': offset})
        return f"{path}?{query}&{paging}" if query else f"{path}?{paging}"

    shown = max(min(params.limit, total - params.offset), 0)
    return Page(
        first=params.offset + 1 if shown else 0,
        last=params.offset + shown,
        total=total,
        previous=link(max(params.offset - params.limit, 0)) if params.offset > 0 else None,
        next=link(params.offset + params.limit) if params.offset + params.limit < total else None,
    )
