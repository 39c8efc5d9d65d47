"""Plivo's offset pagination: ``limit`` 1..20, ``offset`` ≥ 0, and a ``meta`` block.

``next``/``previous`` are relative, offset-style URLs that keep the request's filters, because
the SDK iterates by reading ``limit`` and ``offset`` back from ``meta.next``.
"""

from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.core.params import Params

T = TypeVar("T")
MAX_LIMIT = 20
MAX_OFFSET = 2**31 - 1


class PageParams(Params):
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="Results per page, 1 to 20.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Number of results to skip.")


class Meta(BaseModel):
    limit: int
    next: str | None
    offset: int
    previous: str | None
    total_count: int


class ListResponse(BaseModel, Generic[T]):
    api_id: str
    meta: Meta
    objects: list[T]


def meta(path: str, filters: dict[str, Any], limit: int, offset: int, total_count: int) -> dict[str, Any]:
    kept = {k: v for k, v in filters.items() if k not in ("limit", "offset") and v is not None}

    def link(new_offset: int) -> str:
        return f"{path}?{urlencode({**kept, 'limit': limit, 'offset': new_offset}, doseq=True)}"

    return {
        "limit": limit,
        "next": link(offset + limit) if offset + limit < total_count else None,
        "offset": offset,
        "previous": link(max(offset - limit, 0)) if offset > 0 else None,
        "total_count": total_count,
    }


async def fetch_page(session: AsyncSession, statement: Select[Any], page: PageParams) -> tuple[list[Any], int]:
    """The rows of one page and the total count for ``statement`` (which must be ordered)."""
    total = await session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = (await session.scalars(statement.limit(page.limit).offset(page.offset))).all()
    return list(rows), int(total or 0)
