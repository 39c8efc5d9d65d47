"""HTTP routes: ``Coupon/`` (a Switchboard extension: Plivo redeems coupons in its console only)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.billing import service
from switchboard.billing.schemas import CouponRedeem, CouponRedeemed
from switchboard.core.http import API_PREFIX, ClockDep, Session
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
