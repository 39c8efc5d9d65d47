"""Payments > Invoices: one invoice per closed month (``billing.usage.invoice``, as ``Invoice/``),
each viewable as the printable page and downloadable as the CSV the API serves. The links are
console routes, checked by the session; the Auth Token is never in a URL. Invoices belong to the
main account: a subaccount's session is refused (403), as the API refuses its credentials."""

import base64
import hashlib
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.models import Account
from switchboard.billing import invoices, usage
from switchboard.console.pages import PageError, page_of, page_params
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.clock import Clock
from switchboard.core.errors import PlivoError
from switchboard.core.http import ClockDep, Session

router = APIRouter(include_in_schema=False)
PAGE = "/payments/invoices"
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
NONE = "'none'"


async def _owner(session: Session, ctx: AuthContext) -> Account:
    try:
        return usage.invoice_owner(await usage.reading_account(session, ctx.account.auth_id))
    except PlivoError as exc:
        raise PageError(exc.status_code, exc.message) from None


async def _invoice(session: Session, ctx: AuthContext, clock: Clock, month: str) -> tuple[Account, dict[str, Any]]:
    main = await _owner(session, ctx)
    try:
        return main, (await usage.invoice(session, main, usage.parse_month(month), clock.now())).json()
    except PlivoError as exc:
        raise PageError(exc.status_code, exc.message) from None


@router.get(PAGE, response_class=HTMLResponse)
async def invoice_list(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    main = await _owner(session, ctx)
    params = page_params(request.query_params)
    months = usage.closed_months(main, clock.now())
    shown = [(await usage.invoice(session, main, first, clock.now())).json()
             for first in months[params.offset:params.offset + params.limit]]
    return render(request, "payments/invoices.html", {
        "nav": "invoices", "who": ctx.account, "invoices": shown, "page": page_of(PAGE, params, len(months)),
    })


@router.get(PAGE + "/{month}", response_class=HTMLResponse)
async def printable_invoice(ctx: Console, session: Session, clock: ClockDep, month: str) -> Response:
    """The API's printable page. Its one ``<style>`` block is allowed by its hash, nothing else."""
    main, found = await _invoice(session, ctx, clock, month)
    page = invoices.as_html(found, main.name)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'" for style in _STYLE.findall(page)]
    policy = (f"default-src 'none'; style-src {' '.join(hashes) or NONE}; frame-ancestors 'none'; base-uri 'none'; "
              "form-action 'none'")
    return HTMLResponse(page, headers={"content-security-policy": policy})


@router.get(PAGE + "/{month}/csv")
async def invoice_csv(ctx: Console, session: Session, clock: ClockDep, month: str) -> Response:
    _main, found = await _invoice(session, ctx, clock, month)
    return Response(invoices.as_csv(found), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="invoice-{found["invoice_id"]}.csv"'})
