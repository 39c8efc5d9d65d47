"""Inbound routing: which account and application a call into the platform belongs to.

A call *from* one of the platform's endpoints runs that endpoint's application (or the owner's
default endpoint app). Otherwise the destination decides: a number the platform holds runs its
application (or the owner's default number app); an endpoint's SIP URI runs the endpoint's
application. Anything else is refused with Plivo's cause. A number and its application are read in one query:
this runs for every inbound call.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.models import Application
from switchboard.billing.rating import NoRate, inbound_call_tariff
from switchboard.endpoints.service import endpoint_by_username
from switchboard.numbers.models import RentedNumber
from switchboard.numbers.service import default_application
from switchboard.pricing.table import VoiceTariff
from switchboard.voice import causes
from switchboard.voice.call import CallUrls
from switchboard.voice.causes import Cause


@dataclass
class Route:
    account_id: str
    sub_account_id: str | None
    tariff: VoiceTariff
    refusal: Cause | None = None
    urls: CallUrls = field(default_factory=CallUrls)


def _urls(app: Application | None) -> CallUrls:
    if app is None:
        return CallUrls()
    return CallUrls(answer_url=app.answer_url, answer_method=app.answer_method, fallback_url=app.fallback_answer_url,
                    fallback_method=app.fallback_method, hangup_url=app.hangup_url, hangup_method=app.hangup_method)


def _usable(app: Application | None) -> Application | None:
    return app if app is not None and app.enabled and app.answer_url else None


def endpoint_username(address: str) -> str | None:
    if address.startswith("endpoint:"):
        return address.removeprefix("endpoint:")
    if address.startswith("sip:"):
        return address[4:].split("@", 1)[0]
    return None


async def _app(session: AsyncSession, app_id: str | None, account_id: str, owner: str | None, flag: str) -> Application | None:
    app_id = app_id or await default_application(session, account_id, owner, flag)
    return _usable(await session.get(Application, app_id) if app_id else None)


async def route_inbound(session: AsyncSession, from_: str, to: str, application_id: str = "") -> Route | None:
    """The route of a call from ``from_`` to ``to``; None when nobody here owns either end.
    ``application_id`` (a browser token's ``app``) replaces the calling endpoint's application
    when it belongs to the endpoint's account."""
    for address in (from_, to):
        username = endpoint_username(address)
        if username is None:
            continue
        endpoint = await endpoint_by_username(session, username)
        if endpoint is None:
            continue
        app_id = endpoint.app_id
        if application_id and address == from_:
            chosen = await session.get(Application, application_id)
            if chosen is not None and chosen.account_id == endpoint.account_id:
                app_id = application_id
        app = await _app(session, app_id, endpoint.account_id, endpoint.sub_account_id, "default_endpoint_app")
        return Route(endpoint.account_id, endpoint.sub_account_id, VoiceTariff(Decimal("0")), None if app else causes.ROUTING_ERROR,
                     _urls(app))
    if endpoint_username(to) is not None:
        return None
    found = (await session.execute(select(RentedNumber, Application)
                                   .outerjoin(Application, Application.app_id == RentedNumber.app_id)
                                   .where(RentedNumber.number == to.lstrip("+")))).first()
    if found is None:
        return None
    number, app = found
    if number.app_id is None:
        app = await _app(session, None, number.account_id, number.sub_account_id, "default_number_app")
    app = _usable(app)
    tariff = _inbound_tariff(number)
    if not number.voice_enabled:
        return Route(number.account_id, number.sub_account_id, tariff, causes.ROUTING_ERROR)
    return Route(number.account_id, number.sub_account_id, tariff, None if app else causes.ROUTING_ERROR, _urls(app))


def _inbound_tariff(number: RentedNumber) -> VoiceTariff:
    """The number's own voice rate (set when it was rented), in its country's increments (60/60
    for a country the rate table lacks: the rate is the number's, only the rounding is assumed)."""
    try:
        return inbound_call_tariff(number.country_iso, number.voice_rate)
    except NoRate:
        return VoiceTariff(number.voice_rate, country=number.country_iso)
