"""What the Logs pages share: a list read with the API's own filter model, shown a page at a time,
refreshed live, and exported as CSV.

The filters of a list are the fields of the API's list parameters (``CallList``, ``MessageList``,
...); the query string is validated by that model, so a bad filter gets the API's message beside
its field, and the rows come from the same statement the API pages through.
"""

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.console.applications.form import validate
from switchboard.console.pages import page_of
from switchboard.console.templating import render
from switchboard.core.errors import PlivoError
from switchboard.core.pagination import PageParams

CSV_BATCH = 1000
COUNT_CAP = 10_000
"""A list counts its matches up to this many and then says "more than": counting a million rows
exactly on every refresh would cost more than the page (the API's ``meta.total_count`` stays exact)."""


@dataclass(frozen=True)
class Filter:
    name: str  # the API's parameter
    label: str
    kind: str = "text"  # "text", "number", "time" or "choice"
    choices: tuple[str, ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class LogList:
    """One Logs list: where it lives, its API parameter model, its filters and its CSV columns."""

    path: str
    nav: str
    title: str
    model: type[PageParams]
    filters: tuple[Filter, ...]
    rows: str  # the template of its table
    csv_name: str
    csv_columns: tuple[tuple[str, Callable[[Any], object]], ...]
    tabs: tuple[tuple[str, dict[str, str]], ...] = field(default=())


Statement = Callable[[AsyncSession, PageParams], Awaitable[Select[Any]]]


_NOT_FILTERS = frozenset({"callback_url", "callback_method", "status", "cursor"})


def _given(request: Request, log: LogList) -> dict[str, str]:
    """Every filter of the API's list in the query string (the form shows the common ones; a link
    may carry any other, ``bill_duration__gt`` say)."""
    names = set(log.model.model_fields) - _NOT_FILTERS
    return {name: value.strip() for name, value in request.query_params.items() if name in names and value.strip()}


def filter_query(values: dict[str, str], **changes: str) -> str:
    """The query string of the list with ``values`` (paging dropped), changed by ``changes``."""
    kept = {name: value for name, value in {**values, **changes}.items() if value and name not in ("limit", "offset")}
    return urlencode(kept)


async def show(request: Request, ctx: AuthContext, session: AsyncSession, log: LogList, statement: Statement,
               extra: dict[str, Any] | None = None) -> Response:
    """The list page, or its errors beside the filters they name (400)."""
    values = _given(request, log)
    params, errors = validate(log.model, values)
    rows: list[Any] = []
    total = 0
    if params is not None:
        assert isinstance(params, PageParams)
        try:
            rows, total = await fetch_capped(session, await statement(session, params), params)
        except PlivoError as exc:
            name = exc.message.split(":", 1)[0]
            errors = {name if any(item.name == name for item in log.filters) else "": exc.message}
    query = filter_query(values)
    paging = params if params is not None else PageParams()
    page = page_of(log.path, paging, total, query)
    return render(request, "logs/list.html", {
        "capped": total > COUNT_CAP, "cap": COUNT_CAP,
        "nav": log.nav, "who": ctx.account, "log": log, "values": values, "errors": errors, "rows": rows,
        "page": page, "query": query, "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        **(extra or {}),
    }, status_code=400 if errors else 200)


async def fetch_capped(session: AsyncSession, statement: Select[Any], page: PageParams) -> tuple[list[Any], int]:
    """One page and the number of matches, counted up to ``COUNT_CAP + 1`` (and never fewer than
    the page reaches)."""
    limited = statement.order_by(None).limit(COUNT_CAP + 1).subquery()
    total = int(await session.scalar(select(func.count()).select_from(limited)) or 0)
    rows = list((await session.scalars(statement.limit(page.limit).offset(page.offset))).all())
    return rows, max(total, page.offset + len(rows) + (1 if total > COUNT_CAP and len(rows) == page.limit else 0))


def _cell(value: object) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is prefixed with ``'``."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export(request: Request, ctx: AuthContext, log: LogList, statement: Statement) -> Response:
    """The whole filtered list as CSV, streamed from the database in batches."""
    values = _given(request, log)
    values.pop("limit", None)
    values.pop("offset", None)
    params, errors = validate(log.model, values)
    if params is None:
        return Response("; ".join(errors.values()), status_code=400, media_type="text/plain")
    assert isinstance(params, PageParams)
    sessionmaker = request.app.state.db.sessionmaker
    async with sessionmaker() as session:
        try:
            selected = await statement(session, params)
        except PlivoError as exc:
            return Response(exc.message, status_code=400, media_type="text/plain")

    async def lines() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([name for name, _ in log.csv_columns])
        async with sessionmaker() as session:
            result = await session.stream_scalars(selected.execution_options(yield_per=CSV_BATCH))
            async for batch in result.partitions():
                _write(writer, batch, log)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{log.csv_name}.csv"'})


def _write(writer: Any, rows: Sequence[Any], log: LogList) -> None:
    for row in rows:
        writer.writerow([_cell(value(row)) for _, value in log.csv_columns])
