"""Phone Numbers > Your Numbers: the ``Number/`` list, a number's page with its Application,
Alias and Sub Account (the service behind ``POST Number/{number}/``), and Release (the service
behind ``DELETE Number/{number}/``, after a confirmation page that needs no JavaScript)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts.applications import application_choices
from switchboard.accounts.auth import AuthContext
from switchboard.accounts.service import subaccount_choices
from switchboard.console.forms import Field, given, placed, submitted, validate
from switchboard.console.pages import page_of, shown
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import PlivoError
from switchboard.core.http import Session
from switchboard.numbers import service
from switchboard.numbers.models import RentedNumber
from switchboard.numbers.routes import number_json
from switchboard.numbers.schemas import NumberList, NumberUpdate
from switchboard.pricing.table import NUMBER_TYPES

router = APIRouter(prefix="/numbers", include_in_schema=False)
BASE = "/numbers"

FILTERS = (
    Field("number_startswith", "Number starts with", "number"),
    Field("type", "Type", "select"),
    Field("services", "Capabilities", "select"),
    Field("alias", "Alias", "text"),
    Field("subaccount", "Sub Account", "select"),
)
APPLICATION = Field("app_id", "Application", "select", "The XML application that answers calls and messages to this number.")
ALIAS = Field("alias", "Alias", "text", "A name for the number.")
SUBACCOUNT = Field("subaccount", "Sub Account", "select", "The Sub Account that uses this number.")
SERVICE_CHOICES = [("", "Any"), ("voice", "Voice"), ("sms", "SMS"), ("mms", "MMS"), ("voice,sms", "Voice and SMS")]


def _update_fields(ctx: AuthContext) -> tuple[Field, ...]:
    """A subaccount may not move numbers between owners: its form has no Sub Account."""
    return (APPLICATION, ALIAS, SUBACCOUNT) if ctx.sub_auth_id is None else (APPLICATION, ALIAS)


async def _subaccounts(session: Session, ctx: AuthContext, empty: str) -> list[tuple[str, str]]:
    if ctx.sub_auth_id is not None:
        return []
    return [("", empty)] + [(sub.auth_id, f"{sub.name} ({sub.auth_id})") for sub in
                            await subaccount_choices(session, ctx.main_auth_id)]


async def _visible(session: Session, ctx: AuthContext, number: str) -> RentedNumber:
    return await shown(service.get_number(session, ctx, number))


@router.get("", response_class=HTMLResponse)
async def number_list(request: Request, ctx: Console, session: Session) -> Response:
    names = [field.name for field in FILTERS] + ["limit", "offset"]
    criteria = given({name: request.query_params.get(name, "").strip() for name in names})
    params, errors = validate(NumberList, criteria)
    rows: list[dict[str, Any]] = []
    page = None
    if params is not None:
        assert isinstance(params, NumberList)
        try:
            found, total = await service.list_numbers(session, ctx, params)
        except PlivoError as exc:
            errors = placed(exc, names)
        else:
            carriers = await service.carrier_names(session, found)
            rows = [number_json(row, carriers) for row in found]
            page = page_of(BASE, params, total, criteria)
    return render(request, "numbers/list.html", {
        "nav": "numbers", "who": ctx.account, "numbers": rows, "page": page, "filters": FILTERS,
        "values": criteria, "errors": errors, "released": request.query_params.get("released", ""),
        "types": [("", "Any")] + [(kind, kind) for kind in NUMBER_TYPES], "services": SERVICE_CHOICES,
        "subaccounts": await _subaccounts(session, ctx, "Any"),
        "app_names": {app.app_id: app.app_name for app in await application_choices(session, ctx)},
    }, status_code=400 if errors else 200)


async def _number_page(request: Request, ctx: AuthContext, session: Session, row: RentedNumber,
                       values: dict[str, Any], errors: dict[str, str], status_code: int = 200) -> Response:
    apps = await application_choices(session, ctx)
    return render(request, "numbers/number.html", {
        "nav": "numbers", "who": ctx.account, "number": number_json(row, await service.carrier_names(session, [row])),
        "row": row, "fields": _update_fields(ctx), "values": values, "errors": errors,
        "applications": [("", "No application")] + [(app.app_id, f"{app.app_name} ({app.app_id})") for app in apps],
        "app_names": {app.app_id: app.app_name for app in apps},
        "subaccounts": await _subaccounts(session, ctx, "None (the main account)"),
        "bought": request.query_params.get("bought") == "1", "updated": request.query_params.get("updated") == "1",
    }, status_code=status_code)


def _values_of(row: RentedNumber) -> dict[str, Any]:
    return {"app_id": row.app_id or "", "alias": row.alias or "", "subaccount": row.sub_account_id or ""}


@router.get("/{number}", response_class=HTMLResponse)
async def number_page(request: Request, ctx: Console, session: Session, number: str) -> Response:
    row = await _visible(session, ctx, number)
    return await _number_page(request, ctx, session, row, _values_of(row), {})


@router.post("/{number}", response_class=HTMLResponse)
async def update_number(request: Request, ctx: Console, session: Session, number: str) -> Response:
    row = await _visible(session, ctx, number)
    fields = _update_fields(ctx)
    values = submitted(await request.form(), fields)
    params, errors = validate(NumberUpdate, values)
    if params is not None:
        assert isinstance(params, NumberUpdate)
        try:
            await service.update_number(session, ctx, number, params)
        except PlivoError as exc:
            await session.rollback()
            errors = placed(exc, [field.name for field in fields])
        else:
            return RedirectResponse(f"{BASE}/{row.number}?updated=1", status_code=303)
    row = await _visible(session, ctx, number)
    return await _number_page(request, ctx, session, row, values, errors, status_code=400)


@router.get("/{number}/release", response_class=HTMLResponse)
async def confirm_release(request: Request, ctx: Console, session: Session, number: str) -> Response:
    row = await _visible(session, ctx, number)
    return render(request, "numbers/release.html", {"nav": "numbers", "who": ctx.account, "row": row})


@router.post("/{number}/release")
async def release_number(ctx: Console, session: Session, number: str) -> Response:
    row = await _visible(session, ctx, number)
    await service.release_number(session, ctx, row.number)
    return RedirectResponse(f"{BASE}?released={row.number}", status_code=303)
