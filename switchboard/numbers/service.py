"""Searching and buying numbers from the inventory, and the numbers an account holds.

Rules (as Plivo): only the main account searches and buys; it may give a number to one of its
subaccounts. A subaccount sees, changes and releases only its own numbers. A number is held by
one account at a time across the whole server: a bought or added number leaves every account's
search results until it is released.
"""

import asyncio
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.scope import of_subaccount, visible
from switchboard.accounts.models import Account, Application
from switchboard.billing.rentals import add_months, charge_rental
from switchboard.core.clock import Clock
from switchboard.core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from switchboard.core.pagination import fetch_page
from switchboard.numbers import inventory
from switchboard.numbers.inventory import CountryInventory, InventoryNumber
from switchboard.numbers.models import IncomingCarrier, RentedNumber
from switchboard.numbers.phone import e164_digits, parse_e164, region_of
from switchboard.numbers.schemas import NumberCreate, NumberList, NumberUpdate, PhoneNumberBuy, PhoneNumberSearch
from switchboard.pricing.table import ZERO, CountryRates, rate_table

TENDLC_FILTER = {"unregistered": "UNREGISTERED", "in_progress": "PROCESSING", "registered": "COMPLETED"}


def _main_only(ctx: AuthContext, action: str) -> None:
    if ctx.sub_auth_id is not None:
        raise ForbiddenError(
            f"subaccounts cannot {action}; {action} with the main account {ctx.main_auth_id} "
            "and give the number to the subaccount with Number/{number}/ subaccount"
        )


async def load_inventory(country_iso: str) -> CountryInventory | None:
    """The country's inventory; generating it (about a second, once per process) runs off the loop."""
    return await asyncio.to_thread(inventory.country_inventory, country_iso)


def _number_path(raw: str) -> str:
    return e164_digits(parse_e164(raw))


# --- search and buy ---------------------------------------------------------------------------


def _words(text: str) -> re.Pattern[str]:
    """Matches names that have a word starting with ``text`` (any case): "york" finds "New York"."""
    return re.compile(r"(?<!\w)" + re.escape(text.strip()), re.IGNORECASE)


SEARCH_FILTERS = ("country_iso", "type", "pattern", "npanxx", "region", "city", "rate_center", "lata", "services")


def _matches(params: PhoneNumberSearch) -> tuple[InventoryNumber, ...]:
    """The inventory numbers that match a search, held ones included (the inventory never
    changes, so the answer is kept; held numbers are taken out per request)."""
    return _cached_matches(tuple(getattr(params, name) for name in SEARCH_FILTERS))


@lru_cache(maxsize=256)
def _cached_matches(key: tuple[str | None, ...]) -> tuple[InventoryNumber, ...]:
    params = PhoneNumberSearch.model_construct(**dict(zip(SEARCH_FILTERS, key)))
    stock = inventory.country_inventory(params.country_iso)
    if stock is None:
        return ()
    literal = (params.pattern or "").split("*", 1)[0]
    prefix = max(literal, params.npanxx or "", key=len)
    checks: list[Callable[[InventoryNumber], bool]] = []
    if params.pattern and "*" in params.pattern:
        regex = re.compile("^" + params.pattern.replace("*", r"\d"))
        checks.append(lambda n: regex.match(n.national) is not None)
    if params.npanxx and params.pattern:  # both given: the shorter one still has to hold
        npanxx, literal_ = params.npanxx, literal
        checks.append(lambda n: n.national.startswith(npanxx) and n.national.startswith(literal_))
    if params.region:
        region = _words(params.region)
        checks.append(lambda n: region.search(n.region) is not None)
    if params.city:
        city = _words(params.city)
        checks.append(lambda n: city.search(n.city) is not None)
    if params.rate_center:
        rate_center = params.rate_center.upper()
        checks.append(lambda n: n.rate_center == rate_center)
    if params.lata:
        lata = int(params.lata)
        checks.append(lambda n: n.lata == lata)
    if params.services:
        wanted = params.services.split(",")
        checks.append(lambda n: all(getattr(n, service) for service in wanted))
    return tuple(n for n in stock.of_type(params.type, prefix) if all(check(n) for check in checks))


def countries_offered() -> list[CountryRates]:
    """The countries whose numbers can be bought (the rate table rents numbers there), by name."""
    return sorted((country for country in rate_table().countries.values() if country.rental), key=lambda c: c.name)


async def search(
    session: AsyncSession, ctx: AuthContext, params: PhoneNumberSearch
) -> tuple[list[InventoryNumber], int, CountryRates]:
    _main_only(ctx, "search for numbers")
    stock = await load_inventory(params.country_iso)
    if stock is None:
        offered = ", ".join(sorted(rate_table().countries))
        raise ValidationError(f"country_iso: Switchboard offers no numbers in {params.country_iso!r}; countries offered: {offered}")
    held = set(
        (await session.scalars(select(RentedNumber.number).where(RentedNumber.country_iso == params.country_iso))).all()
    )
    candidates = _matches(params)
    matches = [n for n in candidates if n.number not in held] if held else list(candidates)
    return matches[params.offset : params.offset + params.limit], len(matches), stock.country


async def check_application(session: AsyncSession, ctx: AuthContext, app_id: str, owner: str | None) -> str:
    """``app_id`` if the caller may point a number or endpoint of ``owner`` (subaccount, or None
    for the main account) at it; else a 400 naming ``app_id``."""
    app = await session.get(Application, app_id)
    if app is None or app.account_id != ctx.main_auth_id or (ctx.sub_auth_id and app.sub_account_id != ctx.sub_auth_id):
        raise ValidationError(f"app_id: application {app_id} not found")
    if owner is not None and app.sub_account_id not in (None, owner):
        raise ValidationError(f"app_id: application {app_id} belongs to another subaccount")
    return app.app_id


async def default_application(
    session: AsyncSession, main_auth_id: str, owner: str | None, flag: str = "default_number_app"
) -> str | None:
    """The owner's default number app (or, with ``flag="default_endpoint_app"``, endpoint app)."""
    statement = select(Application.app_id).where(
        Application.account_id == main_auth_id,
        getattr(Application, flag).is_(True),
        Application.sub_account_id.is_(None) if owner is None else Application.sub_account_id == owner,
    )
    return await session.scalar(statement.limit(1))


async def _subaccount(session: AsyncSession, ctx: AuthContext, subaccount: str) -> str:
    if ctx.sub_auth_id is not None:
        raise ForbiddenError("only the main account can give numbers to subaccounts")
    sub = await session.get(Account, subaccount)
    if sub is None or sub.parent_auth_id != ctx.main_auth_id:
        raise ValidationError(f"subaccount: {subaccount} is not a subaccount of {ctx.main_auth_id}")
    return sub.auth_id


def renewal_after(day: date) -> date:
    """The same day next month (the month's last day when it is shorter)."""
    return add_months(day, 1)


def _us_ca_flags(row: RentedNumber, cnam_lookup: str | None) -> None:
    """The US/CA-only fields: CNAM lookup, 10DLC registration, toll-free SMS verification."""
    if row.country_iso not in ("US", "CA") or row.number_type not in ("local", "tollfree"):
        return
    row.cnam_lookup = cnam_lookup or "disabled"
    if row.number_type == "local" and row.country_iso == "US" and row.sms_enabled:
        row.tendlc_registration_status = "UNREGISTERED"
    if row.number_type == "tollfree" and row.sms_enabled:
        row.toll_free_sms_verification = "UNVERIFIED"


async def _save(session: AsyncSession, rows: list[RentedNumber]) -> None:
    session.add_all(rows)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise ConflictError(f"number {rows[0].number if len(rows) == 1 else 'in the list'} was taken meanwhile") from None


async def buy(session: AsyncSession, clock: Clock, ctx: AuthContext, raw_number: str, params: PhoneNumberBuy) -> RentedNumber:
    _main_only(ctx, "buy numbers")
    number = _number_path(raw_number)
    holder = await session.get(RentedNumber, number)
    if holder is not None:
        whose = "this account" if holder.account_id == ctx.main_auth_id else "another account"
        raise ConflictError(f"number {number} is not available: it is already rented by {whose}")
    stock = await load_inventory(region_of(parse_e164(number)))
    entry = stock.get(number) if stock else None
    if entry is None or stock is None:
        raise NotFoundError(f"number {number} is not in the inventory; search PhoneNumber/ for numbers you can buy")
    app_id = (
        await check_application(session, ctx, params.app_id, None)
        if params.app_id
        else await default_application(session, ctx.main_auth_id, None)
    )
    country = stock.country
    now = clock.now()
    row = RentedNumber(
        number=number,
        account_id=ctx.main_auth_id,
        sub_account_id=None,
        app_id=app_id,
        carrier_id=None,
        country_iso=entry.country_iso,
        number_type=entry.number_type,
        region=entry.region,
        city=entry.city,
        voice_enabled=entry.voice,
        sms_enabled=entry.sms,
        mms_enabled=entry.mms,
        monthly_rental_rate=country.rental.get(entry.number_type, ZERO),
        voice_rate=country.inbound_voice_rate(entry.number_type),
        sms_rate=country.message_inbound,
        mms_rate=country.mms_inbound,
        added_on=now,
        renewal_date=renewal_after(now.date()),
    )
    _us_ca_flags(row, params.cnam_lookup)
    await charge_rental(session, row, country.setup.get(entry.number_type, ZERO), now)
    await _save(session, [row])
    return row


# --- numbers the account holds ----------------------------------------------------------------


async def list_numbers(session: AsyncSession, ctx: AuthContext, params: NumberList) -> tuple[list[RentedNumber], int]:
    statement = of_subaccount(visible(ctx, RentedNumber), ctx, RentedNumber, params.subaccount, "numbers")
    if params.type:
        statement = statement.where(RentedNumber.number_type == params.type)
    if params.number_startswith:
        statement = statement.where(RentedNumber.number.startswith(params.number_startswith, autoescape=True))
    if params.alias is not None:
        statement = statement.where(RentedNumber.alias == params.alias)
    if params.services:
        for service in params.services.split(","):
            statement = statement.where(getattr(RentedNumber, f"{service}_enabled").is_(True))
    if params.tendlc_registration_status:
        status = TENDLC_FILTER.get(params.tendlc_registration_status.lower(), params.tendlc_registration_status.upper())
        statement = statement.where(RentedNumber.tendlc_registration_status == status)
    if params.tendlc_campaign_id:
        statement = statement.where(RentedNumber.tendlc_campaign_id == params.tendlc_campaign_id)
    if params.toll_free_sms_verification:
        statement = statement.where(RentedNumber.toll_free_sms_verification == params.toll_free_sms_verification.upper())
    if params.toll_free_sms_verification_order_status:  # no verification orders exist on Switchboard
        statement = statement.where(RentedNumber.number.is_(None))
    if params.cnam_lookup:
        statement = statement.where(RentedNumber.cnam_lookup == params.cnam_lookup)
    renewal = RentedNumber.renewal_date
    for value, condition in (
        (params.renewal_date, lambda d: renewal == d),
        (params.renewal_date__lt, lambda d: renewal < d),
        (params.renewal_date__lte, lambda d: renewal <= d),
        (params.renewal_date__gt, lambda d: renewal > d),
        (params.renewal_date__gte, lambda d: renewal >= d),
    ):
        if value is not None:
            statement = statement.where(condition(value))
    statement = statement.order_by(RentedNumber.added_on.desc(), RentedNumber.number)
    return await fetch_page(session, statement, params)


async def get_number(session: AsyncSession, ctx: AuthContext, raw_number: str) -> RentedNumber:
    number = _number_path(raw_number)
    row = await session.scalar(visible(ctx, RentedNumber).where(RentedNumber.number == number))
    if row is None:
        raise NotFoundError(f"number {number} is not a number of account {ctx.account.auth_id}")
    return row


async def update_number(session: AsyncSession, ctx: AuthContext, raw_number: str, changes: NumberUpdate) -> RentedNumber:
    row = await get_number(session, ctx, raw_number)
    if changes.subaccount is not None:
        row.sub_account_id = await _subaccount(session, ctx, changes.subaccount) if changes.subaccount else None
        if row.app_id is not None and changes.app_id is None:
            app = await session.get(Application, row.app_id)
            if app is not None and app.sub_account_id not in (None, row.sub_account_id):
                row.app_id = None
    if changes.app_id is not None:
        row.app_id = await check_application(session, ctx, changes.app_id, row.sub_account_id) if changes.app_id else None
    if changes.alias is not None:
        row.alias = changes.alias
    if changes.cnam_lookup is not None:
        if row.cnam_lookup is None:
            raise ValidationError("cnam_lookup: only US and Canadian local and toll-free numbers have CNAM lookup")
        row.cnam_lookup = changes.cnam_lookup
    await session.commit()
    return row


async def release_number(session: AsyncSession, ctx: AuthContext, raw_number: str) -> None:
    """Unrent a number (it goes back to the inventory) or remove an own-carrier number."""
    row = await get_number(session, ctx, raw_number)
    await session.delete(row)
    await session.commit()


async def add_own_numbers(session: AsyncSession, clock: Clock, ctx: AuthContext, params: NumberCreate) -> list[RentedNumber]:
    """``POST Number/``: numbers of the account's own incoming carrier."""
    _main_only(ctx, "add numbers from a carrier")
    carrier = await session.get(IncomingCarrier, params.carrier)
    if carrier is None or carrier.account_id != ctx.main_auth_id:
        raise ValidationError(f"carrier: incoming carrier {params.carrier} not found")
    owner = await _subaccount(session, ctx, params.subaccount) if params.subaccount else None
    app_id = (
        await check_application(session, ctx, params.app_id, owner)
        if params.app_id
        else await default_application(session, ctx.main_auth_id, owner)
    )
    parsed = {e164_digits(p): p for p in (parse_e164(raw, "numbers") for raw in params.numbers)}
    held = (await session.scalars(select(RentedNumber.number).where(RentedNumber.number.in_(parsed)))).all()
    if held:
        raise ConflictError(f"numbers already held by an account: {', '.join(sorted(held))}")
    now: datetime = clock.now()
    rows = []
    for number, value in parsed.items():
        iso = region_of(value)
        country = rate_table().country(iso)
        rows.append(
            RentedNumber(
                number=number,
                account_id=ctx.main_auth_id,
                sub_account_id=owner,
                app_id=app_id,
                carrier_id=carrier.carrier_id,
                country_iso=iso[:2],
                number_type=params.number_type,
                region=params.region,
                city="",
                voice_enabled=carrier.voice,
                sms_enabled=carrier.sms,
                mms_enabled=False,
                voice_rate=country.inbound_voice_rate(params.number_type) if country else ZERO,
                sms_rate=country.message_inbound if country else ZERO,
                added_on=now,
                renewal_date=renewal_after(now.date()),
            )
        )
    await _save(session, rows)
    return rows


async def carrier_names(session: AsyncSession, rows: list[RentedNumber]) -> dict[str, str]:
    ids = {row.carrier_id for row in rows if row.carrier_id}
    if not ids:
        return {}
    result = await session.execute(select(IncomingCarrier.carrier_id, IncomingCarrier.name).where(IncomingCarrier.carrier_id.in_(ids)))
    return {carrier_id: name for carrier_id, name in result.all()}


async def number_for_routing(session: AsyncSession, number: str) -> RentedNumber | None:
    """The account's record of an inbound call's or message's destination (rented or own-carrier
    alike), for the voice and messaging areas to route by; None if nobody holds it."""
    return await session.get(RentedNumber, number.lstrip("+"))
