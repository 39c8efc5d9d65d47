"""Payments > Recharge: the balance, and a coupon redeemed by the same service as the API's
``POST Coupon/``. :data:`ROUTERS` are every Payments page's (Usage, Invoices, History, Recurring
Charges each in its module beside this one)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts.auth import AuthContext
from switchboard.billing.service import billing_state, money, redeem_coupon
from switchboard.console.pages import PageError
from switchboard.console.payments import history, invoices, usage
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import ForbiddenError, ValidationError
from switchboard.core.http import ClockDep, Session

router = APIRouter(include_in_schema=False)
PAGE = "/payments/recharge"


async def _page(request: Request, ctx: AuthContext, session: Session, *, code: str = "", error: str = "",
                redeemed: str = "", status_code: int = 200) -> Response:
    mode, cash_credits = await billing_state(session, ctx.account)
    return render(request, "payments/recharge.html", {
        "nav": "recharge", "who": ctx.account, "billing_mode": mode, "cash_credits": money(cash_credits),
        "code": code, "error": error, "redeemed": redeemed,
    }, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
async def recharge(request: Request, ctx: Console, session: Session) -> Response:
    return await _page(request, ctx, session, redeemed=request.query_params.get("redeemed", ""))


@router.post(PAGE, response_class=HTMLResponse)
async def redeem(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    if not ctx.account.is_main:
        raise PageError(403, "coupons are redeemed by the main account, whose credit a subaccount's usage is charged to")
    code = str((await request.form()).get("coupon_code", "")).strip()
    if not code:
        return await _page(request, ctx, session, error="coupon_code: enter the coupon's code", status_code=400)
    try:
        amount, _ = await redeem_coupon(session, clock, ctx.account.auth_id, code)
    except (ValidationError, ForbiddenError) as exc:
        return await _page(request, ctx, session, code=code, error=exc.message, status_code=400)
    return RedirectResponse(f"{PAGE}?redeemed={money(amount)}", status_code=303)


ROUTERS = (router, usage.router, invoices.router, history.router)
