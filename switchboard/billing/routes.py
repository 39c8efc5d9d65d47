"""HTTP routes, all Switchboard extensions (Plivo shows these in its console only): ``Coupon/``,
``Usage/``, ``Invoice/`` and ``AutoRecharge/``."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.billing import invoices, payments, service, usage
from switchboard.billing.schemas import (
    AutoRechargeObject,
    AutoRechargeUpdate,
    CouponRedeem,
    CouponRedeemed,
    InvoiceFormat,
    InvoiceList,
    InvoiceObject,
    InvoicePage,
    UsageQuery,
    UsageReport,
)
from switchboard.core.errors import ValidationError
from switchboard.core.http import API_PREFIX, ClockDep, Session, resource_uri
from switchboard.core.pagination import meta
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, plivo_response

router = APIRouter(prefix=API_PREFIX, tags=["Billing (Switchboard extension)"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


@router.post("/Coupon/", status_code=202, response_model=CouponRedeemed, summary="Redeem a coupon (Switchboard extension)",
             openapi_extra=openapi_body(CouponRedeem))
async def redeem_coupon(ctx: Ctx, session: Session, clock: ClockDep,
                        params: Annotated[CouponRedeem, Depends(body(CouponRedeem))]) -> Response:
    """Add a coupon's credit to the main account; a coupon is redeemed once, by one account."""
    amount, balance = await service.redeem_coupon(session, clock, ctx.account.auth_id, params.coupon_code)
    return plivo_response({"message": "coupon redeemed", "amount": service.money(amount),
                           "cash_credits": service.money(balance)}, 202)


@router.get("/Usage/", response_model=UsageReport, summary="Usage for a period (Switchboard extension)")
async def read_usage(ctx: Ctx, session: Session, clock: ClockDep, params: Annotated[UsageQuery, Query()]) -> Response:
    """Charges by service, country and direction, credits, and each subaccount's part, from
    ``start_date`` to ``end_date`` (both included) in the account's timezone. A subaccount sees
    its own usage only."""
    main = await usage.reading_account(session, ctx.main_auth_id)
    start, end = usage.period(main, clock.now(), params.start_date, params.end_date)
    report = await usage.usage(session, main, start, end, ctx.sub_auth_id)
    return plivo_response(report.json())


@router.get("/Invoice/", response_model=InvoicePage, summary="List invoices (Switchboard extension)")
async def list_invoices(request: Request, ctx: Ctx, session: Session, clock: ClockDep,
                        page: Annotated[InvoiceList, Query()]) -> Response:
    """One invoice per closed month (in the account's timezone) since the account was created, newest first."""
    main = usage.invoice_owner(await usage.reading_account(session, ctx.account.auth_id))
    months = usage.closed_months(main, clock.now())
    shown = months[page.offset:page.offset + page.limit]
    objects = [{"invoice_id": f"{main.auth_id}-{first:%Y-%m}", "month": f"{first:%Y-%m}", "start_date": first.isoformat(),
                "end_date": usage.month_end(first).isoformat(),
                "resource_uri": resource_uri(main.auth_id, "Invoice", f"{first:%Y-%m}")} for first in shown]
    return plivo_response({"meta": meta(request.url.path, {}, page.limit, page.offset, len(months)), "objects": objects})


@router.get("/Invoice/{month}/", response_model=InvoiceObject, summary="Get an invoice (Switchboard extension)",
            responses={200: {"content": {"text/csv": {}, "text/html": {}}}})
async def get_invoice(ctx: Ctx, session: Session, clock: ClockDep, month: str,
                      params: Annotated[InvoiceFormat, Query()]) -> Response:
    """A closed month's totals (charges by service, credits, opening and closing balance) and
    lines; ``format=csv`` downloads it as CSV, ``format=html`` as a printable page."""
    kind = params.format.lower()
    if kind not in invoices.FORMATS:
        raise ValidationError(f"format: one of {', '.join(invoices.FORMATS)}, not {params.format!r}")
    main = usage.invoice_owner(await usage.reading_account(session, ctx.account.auth_id))
    found = (await usage.invoice(session, main, usage.parse_month(month), clock.now())).json()
    if kind == "csv":
        return Response(invoices.as_csv(found), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="invoice-{found["invoice_id"]}.csv"'})
    if kind == "html":
        return Response(invoices.as_html(found, main.name), media_type="text/html; charset=utf-8")
    return plivo_response(found)


@router.get("/AutoRecharge/", response_model=AutoRechargeObject, summary="Auto-recharge settings (Switchboard extension)")
async def get_auto_recharge(request: Request, ctx: Ctx, session: Session) -> Response:
    account = await usage.reading_account(session, ctx.main_auth_id)
    settings = await payments.settings_of(session, account)
    return plivo_response(payments.settings_json(settings, request.app.state.payment_provider))


@router.post("/AutoRecharge/", status_code=202, response_model=AutoRechargeObject,
             summary="Change auto-recharge settings (Switchboard extension)", openapi_extra=openapi_body(AutoRechargeUpdate))
async def set_auto_recharge(request: Request, ctx: Ctx, session: Session, clock: ClockDep,
                            params: Annotated[AutoRechargeUpdate, Depends(body(AutoRechargeUpdate))]) -> Response:
    """Turn auto-recharge on or off and set its threshold and amount (main account only). The
    account object's ``auto_recharge`` shows whether it is on."""
    threshold = service.parse_amount(params.threshold, "threshold") if params.threshold is not None else None
    amount = service.parse_amount(params.amount, "amount") if params.amount is not None else None
    settings = await payments.configure(session, clock, ctx.account.auth_id, params.auto_recharge, threshold, amount)
    request.app.state.credentials.invalidate(ctx.account.auth_id)
    return plivo_response(payments.settings_json(settings, request.app.state.payment_provider), 202)
