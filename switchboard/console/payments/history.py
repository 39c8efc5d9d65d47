"""Payments > History (the ledger's credits and charges, newest first) and Payments > Recurring
Charges (rented numbers, their monthly rental rate and renewal date), from ``billing.history``."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from switchboard.billing import history
from switchboard.billing.service import money
from switchboard.console.pages import PageError, page_of, page_params
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.http import Session

router = APIRouter(include_in_schema=False)
HISTORY = "/payments/history"
RECURRING = "/payments/recurring"
KINDS = {"": "All", "credit": "Credits", "charge": "Charges"}


@router.get(HISTORY, response_class=HTMLResponse)
async def history_page(request: Request, ctx: Console, session: Session) -> Response:
    kind = request.query_params.get("kind", "")
    if kind not in KINDS:
        raise PageError(400, f"kind: one of credit, charge, not {kind!r}")
    params = page_params(request.query_params)
    rows, total = await history.history(session, ctx, params, "credit" if kind == "credit" else "charge" if kind else None)
    entries: list[dict[str, Any]] = [{
        "created": row.created.strftime("%Y-%m-%d %H:%M:%S"), "kind": row.kind, "resource_type": row.resource_type,
        "resource_id": row.resource_id, "subaccount": row.sub_account_id, "country_iso": row.country_iso or "",
        "amount": money(row.amount)} for row in rows]
    return render(request, "payments/history.html", {
        "nav": "history", "who": ctx.account, "entries": entries, "kind": kind, "kinds": KINDS,
        "page": page_of(HISTORY, params, total, {"kind": kind} if kind else None),
    })


@router.get(RECURRING, response_class=HTMLResponse)
async def recurring_page(request: Request, ctx: Console, session: Session) -> Response:
    params = page_params(request.query_params)
    found = await history.recurring(session, ctx, params)
    return render(request, "payments/recurring.html", {
        "nav": "recurring", "who": ctx.account, "numbers": found.numbers, "per_month": money(found.per_month),
        "money": money, "page": page_of(RECURRING, params, found.total),
    })
