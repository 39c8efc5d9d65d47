"""HTTP routes: ``PhoneNumber/`` (search and buy) and ``Number/`` (numbers the account holds)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.clock import format_date
from switchboard.core.http import API_PREFIX, ClockDep, Session, resource_uri
from switchboard.core.pagination import meta
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, Message, no_content, plivo_response
from switchboard.numbers import service
from switchboard.numbers.inventory import InventoryNumber
from switchboard.numbers.models import RentedNumber
from switchboard.numbers.phone import country_name
from switchboard.numbers.schemas import (
    NumberCreate,
    NumberGet,
    NumberList,
    NumberListResponse,
    NumberUpdate,
    PhoneNumberBought,
    PhoneNumberBuy,
    PhoneNumberList,
    PhoneNumberSearch,
)
from switchboard.pricing.table import ZERO, CountryRates, format_rate

router = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


def phone_number_json(entry: InventoryNumber, country: CountryRates, auth_id: str) -> dict[str, Any]:
    """A number for sale. Beyond the SDK fixture, ``city``, ``mms_enabled`` and ``mms_rate`` are
    sent, as Plivo's PhoneNumber object documents them."""
    kind = entry.number_type
    return {
        "city": entry.city,
        "country": country.name.upper(),
        "lata": entry.lata,
        "mms_enabled": entry.mms,
        "mms_rate": format_rate(country.mms_inbound),
        "monthly_rental_rate": format_rate(country.rental.get(kind, ZERO)),
        "number": entry.number,
        "prefix": entry.prefix,
        "prerequisites": [],
        "rate_center": entry.rate_center,
        "region": entry.region,
        "resource_uri": resource_uri(auth_id, "PhoneNumber", entry.number),
        "restriction": None,
        "restriction_text": None,
        "setup_rate": format_rate(country.setup.get(kind, ZERO)),
        "sms_enabled": entry.sms,
        "sms_rate": format_rate(country.message_inbound),
        "type": entry.search_type,
        "voice_enabled": entry.voice,
        "voice_rate": format_rate(country.inbound_voice_rate(kind)),
    }


def number_json(row: RentedNumber, carriers: dict[str, str]) -> dict[str, Any]:
    owner = row.sub_account_id or row.account_id
    country = country_name(row.country_iso)
    own_carrier = row.carrier_id is not None
    return {
        "active": True,
        "added_on": format_date(row.added_on),
        "alias": row.alias,
        "application": resource_uri(owner, "Application", row.app_id) if row.app_id else None,
        "carrier": carriers.get(row.carrier_id, "") if row.carrier_id else "Plivo",
        "city": row.city,
        "cnam_lookup": row.cnam_lookup,
        "compliance_application_id": None,
        "compliance_status": None,
        "country": country,
        "mms_enabled": row.mms_enabled,
        "mms_rate": format_rate(row.mms_rate),
        "monthly_rental_rate": format_rate(row.monthly_rental_rate),
        "number": row.number,
        "number_type": row.number_type,
        "region": row.region if own_carrier or row.region == country else f"{row.region}, {country.upper()}",
        "renewal_date": row.renewal_date.isoformat(),
        "resource_uri": resource_uri(owner, "Number", row.number),
        "sms_enabled": row.sms_enabled,
        "sms_rate": format_rate(row.sms_rate),
        "sub_account": resource_uri(row.account_id, "Subaccount", row.sub_account_id) if row.sub_account_id else None,
        "tendlc_campaign_id": row.tendlc_campaign_id,
        "tendlc_registration_status": row.tendlc_registration_status,
        "toll_free_sms_verification": row.toll_free_sms_verification,
        "voice_enabled": row.voice_enabled,
        "voice_rate": format_rate(row.voice_rate),
    }


# --- PhoneNumber ------------------------------------------------------------------------------


@router.get("/PhoneNumber/", tags=["PhoneNumber"], response_model=PhoneNumberList, summary="Search for numbers to buy")
async def search_numbers(request: Request, ctx: Ctx, session: Session, params: Annotated[PhoneNumberSearch, Query()]) -> Response:
    found, total, country = await service.search(session, ctx, params)
    filters = params.model_dump(exclude={"limit", "offset"}, exclude_none=True)
    return plivo_response(
        {
            "meta": meta(request.url.path, filters, params.limit, params.offset, total),
            "objects": [phone_number_json(entry, country, ctx.account.auth_id) for entry in found],
        }
    )


@router.post(
    "/PhoneNumber/{number}/",
    tags=["PhoneNumber"],
    status_code=201,
    response_model=PhoneNumberBought,
    summary="Buy a number",
    openapi_extra=openapi_body(PhoneNumberBuy, required=False),
)
async def buy_number(
    ctx: Ctx, session: Session, clock: ClockDep, number: str, params: Annotated[PhoneNumberBuy, Depends(body(PhoneNumberBuy))]
) -> Response:
    row = await service.buy(session, clock, ctx, number, params)
    return plivo_response(
        {"message": "created", "numbers": [{"number": row.number, "status": "Success", "fallback_number": None}], "status": "fulfilled"},
        201,
    )


# --- Number -----------------------------------------------------------------------------------


@router.get("/Number/", tags=["Number"], response_model=NumberListResponse, summary="List the account's numbers")
async def list_numbers(request: Request, ctx: Ctx, session: Session, params: Annotated[NumberList, Query()]) -> Response:
    rows, total = await service.list_numbers(session, ctx, params)
    carriers = await service.carrier_names(session, rows)
    filters = params.model_dump(mode="json", exclude={"limit", "offset"}, exclude_none=True)
    return plivo_response(
        {
            "meta": meta(request.url.path, filters, params.limit, params.offset, total),
            "objects": [number_json(row, carriers) for row in rows],
        }
    )


@router.post(
    "/Number/",
    tags=["Number"],
    status_code=202,
    response_model=Message,
    summary="Add numbers from your own carrier",
    openapi_extra=openapi_body(NumberCreate),
)
async def add_numbers(
    ctx: Ctx, session: Session, clock: ClockDep, params: Annotated[NumberCreate, Depends(body(NumberCreate))]
) -> Response:
    await service.add_own_numbers(session, clock, ctx, params)
    return plivo_response({"message": "changed"}, 202)


@router.get("/Number/{number}/", tags=["Number"], response_model=NumberGet, summary="Get one of the account's numbers")
async def get_number(ctx: Ctx, session: Session, number: str) -> Response:
    row = await service.get_number(session, ctx, number)
    return plivo_response(number_json(row, await service.carrier_names(session, [row])))


@router.post(
    "/Number/{number}/",
    tags=["Number"],
    status_code=202,
    response_model=Message,
    summary="Update a number (application, subaccount, alias)",
    openapi_extra=openapi_body(NumberUpdate, required=False),
)
async def update_number(
    ctx: Ctx, session: Session, number: str, changes: Annotated[NumberUpdate, Depends(body(NumberUpdate))]
) -> Response:
    await service.update_number(session, ctx, number, changes)
    return plivo_response({"message": "changed"}, 202)


@router.delete("/Number/{number}/", tags=["Number"], status_code=204, response_class=Response, summary="Unrent a number")
async def unrent_number(ctx: Ctx, session: Session, number: str) -> Response:
    await service.release_number(session, ctx, number)
    return no_content()
