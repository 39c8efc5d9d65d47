"""Request parameters and response shapes of Switchboard's billing extensions."""

from pydantic import BaseModel, Field

from switchboard.core.params import Params


class CouponRedeem(Params):
    coupon_code: str = Field(min_length=1, max_length=64, description="The code printed by `switchboard coupon create`.")


class CouponRedeemed(BaseModel):
    api_id: str
    message: str
    amount: str
    cash_credits: str
