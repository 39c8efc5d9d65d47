"""Inbound routing: which account and application a call into the platform belongs to.

A call *from* one of the platform's endpoints runs that endpoint's application (or the owner's
default endpoint app). Otherwise the destination decides: a number the platform holds runs its
application (or the owner's default number app); an endpoint's SIP URI runs the endpoint's
application. Anything else is refused with Plivo's cause.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.models import Application
from switchboard.endpoints.service import endpoint_by_username
from switchboard.numbers.service import default_application, number_for_routing
from switchboard.voice import causes
from switchboard.voice.causes import Cause


@dataclass
class Route:
    account_id: str
    sub_account_id: str | None
    application: Application | None
    bill_rate: Decimal
    refusal: Cause | None = None


def endpoint_username(address: str) -> str | None:
    if address.startswith("endpoint:"):
        return address.removeprefix("endpoint:")
    if address.startswith("sip:"):
        return address[4:].split("@", 1)[0]
    return None


async def _app(session: AsyncSession, app_id: str | None, account_id: str, owner: str | None, flag: str) -> Application | None:
    app_id = app_id or await default_application(session, account_id, owner, flag)
    app = await session.get(Application, app_id) if app_id else None
    return app if app is not None and app.enabled and app.answer_url else None


async def route_inbound(session: AsyncSession, from_: str, to: str) -> Route | None:
    """The route of a call from ``from_`` to ``to``; None when nobody here owns either end."""
    for address in (from_, to):
        username = endpoint_username(address)
        if username is None:
            continue
        endpoint = await endpoint_by_username(session, username)
        if endpoint is None:
            continue
        app = await _app(session, endpoint.app_id, endpoint.account_id, endpoint.sub_account_id, "default_endpoint_app")
        return Route(endpoint.account_id, endpoint.sub_account_id, app, Decimal("0"),
                     None if app else causes.ROUTING_ERROR)
    if endpoint_username(to) is not None:
        return None
    number = await number_for_routing(session, to)
    if number is None:
        return None
    app = await _app(session, number.app_id, number.account_id, number.sub_account_id, "default_number_app")
    rate = number.voice_rate
    if not number.voice_enabled:
        return Route(number.account_id, number.sub_account_id, None, rate, causes.ROUTING_ERROR)
    return Route(number.account_id, number.sub_account_id, app, rate, None if app else causes.ROUTING_ERROR)
