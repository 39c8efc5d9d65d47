"""Phone Numbers > Buy Numbers: the ``PhoneNumber/`` search and buy, through the same service.

The search form's fields are the API's filters (``country_iso``, ``type``, ``pattern``, ``region``,
``city``, ``services`` and the US/Canadian ``npanxx``, ``lata``, ``rate_center``); results show the
API's own representation of each number. Only the main account searches and buys (the service's
rule): a subaccount's page says so, and its posts get the service's 403.
"""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts.auth import AuthContext
from switchboard.console.forms import Field, given, placed, validate
from switchboard.console.pages import PageError, page_of
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import ForbiddenError, PlivoError
from switchboard.core.http import ClockDep, Session
from switchboard.numbers import service
from switchboard.numbers.routes import phone_number_json
from switchboard.numbers.schemas import PhoneNumberBuy, PhoneNumberSearch
from switchboard.pricing.table import NUMBER_TYPES

router = APIRouter(prefix="/numbers/buy", include_in_schema=False)
BASE = "/numbers/buy"

TYPES = {"local": "Local", "mobile": "Mobile", "tollfree": "Toll-free", "national": "National"}
SERVICE_LABELS = {"voice": "Voice", "sms": "SMS", "mms": "MMS"}
FIELDS = (
    Field("country_iso", "Country", "select"),
    Field("type", "Type", "select"),
    Field("pattern", "Pattern", "text", "Digits the number starts with after the country code; * is any digit."),
    Field("region", "Region", "text", "State or province, or part of its name."),
    Field("city", "City", "text"),
    Field("npanxx", "NPA-NXX", "number", "US and Canada: area code and exchange, 6 digits."),
    Field("lata", "LATA", "number", "US and Canada."),
    Field("rate_center", "Rate Center", "text", "US and Canada."),
)
_NAMES = [field.name for field in FIELDS] + ["services"]


def _criteria(request: Request) -> dict[str, str]:
    """The search as the API's query parameters: the form's filled-in fields, ``services`` as
    one comma-separated value (the form sends a checkbox per service), paging kept."""
    query = request.query_params
    values = given({name: query.get(name, "").strip() for name in _NAMES + ["limit", "offset"]})
    services = [part for value in query.getlist("services") for part in value.split(",") if part]
    if services:
        values["services"] = ",".join(services)
    return values


async def _page(request: Request, ctx: AuthContext, session: Session, *, bought_error: tuple[str, str] | None = None,
                status_code: int = 200) -> Response:
    criteria = _criteria(request)
    context: dict[str, Any] = {
        "nav": "buy_numbers", "who": ctx.account, "fields": FIELDS, "values": criteria, "errors": {},
        "countries": [(c.iso, f"{c.name} ({c.iso})") for c in service.countries_offered()],
        "types": [(kind, TYPES[kind]) for kind in NUMBER_TYPES], "services": SERVICE_LABELS,
        "chosen": criteria.get("services", "").split(","), "results": None, "page": None, "query": "",
        "bought_error": bought_error,
    }
    if ctx.account.is_main and "country_iso" in criteria:
        params, errors = validate(PhoneNumberSearch, criteria)
        if params is not None:
            assert isinstance(params, PhoneNumberSearch)
            try:
                found, total, country = await service.search(session, ctx, params)
            except PlivoError as exc:
                errors = placed(exc, _NAMES)
            else:
                context["results"] = [phone_number_json(entry, country, ctx.account.auth_id) for entry in found]
                context["page"] = page_of(BASE, params, total, criteria)
                context["query"] = urlencode(criteria)
        if errors:
            context["errors"] = errors
            status_code = 400
    elif "country_iso" not in criteria:
        context["values"] = {"country_iso": "US", "type": "local"}
    return render(request, "buy_numbers/buy.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
async def buy_numbers(request: Request, ctx: Console, session: Session) -> Response:
    return await _page(request, ctx, session)


@router.post("/{number}", response_class=HTMLResponse)
async def buy_number(request: Request, ctx: Console, session: Session, clock: ClockDep, number: str) -> Response:
    """Buy one number; on an error (no credit, taken meanwhile) the same search is shown again
    with the service's message beside the number and at the top of the page."""
    try:
        row = await service.buy(session, clock, ctx, number, PhoneNumberBuy())
    except ForbiddenError as exc:
        raise PageError(403, exc.message) from None
    except PlivoError as exc:
        return await _page(request, ctx, session, bought_error=(number, exc.message), status_code=exc.status_code)
    return RedirectResponse(f"/numbers/{row.number}?bought=1", status_code=303)
