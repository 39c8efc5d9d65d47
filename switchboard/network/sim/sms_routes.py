"""``POST /_sim/messages``: a simulated handset sends a message into the platform (see
docs/simulator.md). Any main account's credentials may use it."""

from typing import Annotated

import pydantic
from fastapi import APIRouter, Depends, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from switchboard.accounts.auth import AccountRecord, authenticate_main
from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.params import describe, openapi_body, read_params
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.core.sms_encoding import segment, too_long
from switchboard.core.validators import no_nul
from switchboard.numbers.models import RentedNumber
from switchboard.numbers.phone import e164_digits, parse_e164

router = APIRouter(prefix="/_sim", tags=["Simulator (Switchboard extension)"], responses=ERROR_RESPONSES)

Main = Annotated[AccountRecord, Depends(authenticate_main)]


class SimMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    from_: str = Field(alias="from", description="The simulated handset's number.")
    to: str = Field(description="A number held by a Switchboard account.")
    text: Annotated[str, AfterValidator(no_nul)] = Field(min_length=1, max_length=1600)


@router.post("/messages", status_code=202, summary="A simulated phone sends a message to a Switchboard number",
             openapi_extra=openapi_body(SimMessage))
async def send_from_phone(request: Request, _main: Main) -> Response:
    try:
        spec = SimMessage.model_validate(await read_params(request))
    except pydantic.ValidationError as exc:
        raise ValidationError(describe(exc.errors(include_url=False))) from None
    src = e164_digits(parse_e164(spec.from_, "from"))
    dst = e164_digits(parse_e164(spec.to, "to"))
    segmented = segment(spec.text)
    problem = too_long(segmented)
    if problem:
        raise ValidationError(f"text: {problem}")
    async with request.app.state.db.session() as session:
        if await session.get(RentedNumber, dst) is None:
            raise NotFoundError(f"to: {dst} is not a number of any Switchboard account")
    request.app.state.messaging.pipeline.connectors.get("sim").send_from_phone(src, dst, spec.text)
    return plivo_response({"message": "message sent", "from": src, "to": dst, "units": segmented.units}, 202)
