"""HTTP routes: ``Pricing/``."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.http import API_PREFIX
from switchboard.core.params import Params
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.numbers.phone import CountryIso, country_iso3
from switchboard.pricing.table import CountryRates, format_rate, rate_table

router = APIRouter(prefix=API_PREFIX, tags=["Pricing"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


class PricingQuery(Params):
    country_iso: CountryIso = Field(description="Two-letter country code.")


class PricingObject(BaseModel):
    api_id: str
    country: str
    country_code: int
    country_iso: str
    message: dict[str, Any]
    mms: dict[str, Any]
    phone_numbers: dict[str, Any]
    voice: dict[str, Any]


def _rates(values: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {key: {"rate": format_rate(value)} for key, value in values.items()}


def pricing_json(country: CountryRates) -> dict[str, Any]:
    outbound = _rates(country.voice_outbound)
    # One rate per destination prefix whatever the caller ID: Plivo's blank origination prefix, "the default rate".
    outbound["rates"] = [{"origination_prefix": [""], "prefix": prefixes, "rate": format_rate(rate)}
                         for prefixes, rate in country.voice_outbound_rates]
    return {
        "country": country.name,
        "country_code": country.country_code,
        "country_iso": country.iso,
        "message": {
            "inbound": {"rate": format_rate(country.message_inbound)},
            "outbound": {"rate": format_rate(country.message_outbound)},
            "outbound_networks_list": [
                {"group_name": name, "rate": format_rate(rate)} for name, rate in country.message_networks
            ],
        },
        "mms": {"inbound": {"rate": format_rate(country.mms_inbound)},
                "outbound": {"rate": format_rate(country.mms_outbound)}},
        "phone_numbers": _rates(country.rental),
        "voice": {"inbound": _rates(country.voice_inbound), "outbound": outbound},
    }


@router.get("/Pricing/", response_model=PricingObject, summary="Rates for a country")
async def get_pricing(_ctx: Ctx, params: Annotated[PricingQuery, Query()]) -> Response:
    country = rate_table().country(params.country_iso)
    if country is None:
        if country_iso3(params.country_iso) is None:
            raise ValidationError(f"country_iso: {params.country_iso!r} is not an ISO 3166 country code")
        raise NotFoundError(f"the rate table has no rates for {params.country_iso}")
    return plivo_response(pricing_json(country))
