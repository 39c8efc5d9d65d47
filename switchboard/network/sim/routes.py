"""The simulator's control API under ``/_sim/`` (not part of Plivo's API; see docs/simulator.md).

Any main account's credentials may use it."""

from typing import Annotated, Any

import pydantic
from fastapi import APIRouter, Depends, Request, Response

from switchboard.accounts.auth import AccountRecord, authenticate_main
from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.params import describe, openapi_body, read_params
from switchboard.core.responses import ERROR_RESPONSES, no_content, plivo_response
from switchboard.network.sim.phones import PhoneBook, PhoneSpec, endpoint_address
from switchboard.numbers.phone import e164_digits, parse_e164

router = APIRouter(prefix="/_sim", tags=["Simulator (Switchboard extension)"], responses=ERROR_RESPONSES)

Main = Annotated[AccountRecord, Depends(authenticate_main)]


def phone_book(request: Request) -> PhoneBook:
    return request.app.state.phone_book


def phone_address(raw: str) -> str:
    """``/_sim/phones/{id}``: a number in any E.164 spelling, or ``endpoint:<username>``."""
    if raw.startswith("endpoint:"):
        return raw
    return e164_digits(parse_e164(raw))


@router.post("/phones", status_code=201, summary="Create or replace a simulated phone", openapi_extra=openapi_body(PhoneSpec))
async def put_phone(request: Request, _main: Main) -> Response:
    try:
        spec = PhoneSpec.model_validate(await read_params(request))
    except pydantic.ValidationError as exc:
        raise ValidationError(describe(exc.errors(include_url=False))) from None
    address = endpoint_address(spec.endpoint) if spec.endpoint else e164_digits(parse_e164(spec.number or ""))
    phone = phone_book(request).put(address, spec.script, spec.sms)
    return plivo_response(phone.as_json(), 201)


@router.get("/phones/{phone_id}", summary="A simulated phone and the log of what it experienced")
async def get_phone(request: Request, _main: Main, phone_id: str) -> Response:
    phone = phone_book(request).get(phone_address(phone_id))
    if phone is None:
        raise NotFoundError(f"no simulated phone {phone_id}: it was never configured or reached")
    body: dict[str, Any] = phone.as_json()
    return plivo_response(body)


@router.delete("/phones/{phone_id}", status_code=204, response_class=Response, summary="Forget a simulated phone")
async def delete_phone(request: Request, _main: Main, phone_id: str) -> Response:
    if not phone_book(request).remove(phone_address(phone_id)):
        raise NotFoundError(f"no simulated phone {phone_id}")
    return no_content()
