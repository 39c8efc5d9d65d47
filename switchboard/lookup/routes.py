"""HTTP route: ``GET /v1/Number/{number}?type=carrier`` (Plivo's lookup host; no ``/Account/``).

Everything comes from the ``phonenumbers`` metadata: the country, the four formats, the line
type and, for mobile numbers in countries whose plan records it, the carrier that holds the
number block. Mobile country and network codes and porting are not in that data: the codes
are null and ``ported`` is "no".
"""

from typing import Annotated, Any
from urllib.parse import quote

import phonenumbers
from fastapi import APIRouter, Depends, Query, Response
from phonenumbers import PhoneNumberFormat, PhoneNumberType, carrier
from pydantic import BaseModel, Field

from switchboard.accounts.auth import AccountRecord, verify_credentials
from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.params import Params
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.numbers.phone import country_iso3, country_name, parse_e164, region_of

router = APIRouter(tags=["Lookup"], responses=ERROR_RESPONSES)

LINE_TYPES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed",
    PhoneNumberType.TOLL_FREE: "tollfree",
    PhoneNumberType.PREMIUM_RATE: "premium",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}


class LookupQuery(Params):
    type: str = Field("carrier", description="Only carrier lookups exist.")


class LookupObject(BaseModel):
    api_id: str
    carrier: dict[str, Any]
    country: dict[str, Any]
    format: dict[str, str]
    phone_number: str
    resource_uri: str


def lookup_json(parsed: phonenumbers.PhoneNumber) -> dict[str, Any]:
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    iso = region_of(parsed)
    line_type = LINE_TYPES.get(phonenumbers.number_type(parsed), "unknown")
    return {
        "carrier": {
            "mobile_country_code": None,
            "mobile_network_code": None,
            "name": carrier.name_for_number(parsed, "en") or "",
            "ported": "no",
            "type": line_type,
        },
        "country": {"iso2": iso, "iso3": country_iso3(iso), "name": country_name(iso)},
        "format": {
            "e164": e164,
            "international": phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL),
            "national": phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL),
            "rfc3966": phonenumbers.format_number(parsed, PhoneNumberFormat.RFC3966),
        },
        "phone_number": e164,
        "resource_uri": f"/v1/Number/{quote(e164, safe='+')}?type=carrier",
    }


@router.get("/v1/Number/{number}/", response_model=LookupObject, summary="Look up a number's country, formats and carrier")
async def lookup_number(
    number: str, _caller: Annotated[AccountRecord, Depends(verify_credentials)], params: Annotated[LookupQuery, Query()]
) -> Response:
    if params.type != "carrier":
        raise ValidationError(f"type: {params.type!r} is not supported; use type=carrier")
    parsed = parse_e164(number)
    if not phonenumbers.is_valid_number(parsed):
        raise NotFoundError(f"number {number} is not a valid number in the numbering plan of +{parsed.country_code}")
    return plivo_response(lookup_json(parsed))
