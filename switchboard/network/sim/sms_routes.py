"""``POST /_sim/messages``: a simulated handset sends a message (an SMS, or an MMS with media URLs)
into the platform (see docs/simulator.md). Any main account's credentials may use it."""

from typing import Annotated

import pydantic
from fastapi import APIRouter, Depends, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

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


MediaUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^/\s]+\S*$", max_length=2048)]


class SimMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    from_: str = Field(alias="from", description="The simulated handset's number.")
    to: str = Field(description="A number held by a Switchboard account.")
    text: Annotated[str, AfterValidator(no_nul)] = Field("", max_length=1600, description="May be empty for an MMS.")
    media_urls: list[MediaUrl] = Field(default_factory=list, max_length=10, description=(
        "Makes the message an MMS: absolute http(s) URLs of its media, which the platform fetches as it "
        "would from a carrier's MMSC (to MMS-enabled numbers only)."))

    @model_validator(mode="after")
    def _has_content(self) -> "SimMessage":
        if not self.text and not self.media_urls:
            raise ValueError("give text, or media_urls for an MMS")
        return self


@router.post("/messages", status_code=202, summary="A simulated phone sends a message to a Switchboard number",
             openapi_extra=openapi_body(SimMessage))
async def send_from_phone(request: Request, _main: Main) -> Response:
    try:
        spec = SimMessage.model_validate(await read_params(request))
    except pydantic.ValidationError as exc:
        raise ValidationError(describe(exc.errors(include_url=False))) from None
    src = e164_digits(parse_e164(spec.from_, "from"))
    dst = e164_digits(parse_e164(spec.to, "to"))
    kind = "mms" if spec.media_urls else "sms"
    segmented = segment(spec.text)
    problem = too_long(segmented)
    if problem and kind == "sms":
        raise ValidationError(f"text: {problem}")
    async with request.app.state.db.session() as session:
        number = await session.get(RentedNumber, dst)
    if number is None:
        raise NotFoundError(f"to: {dst} is not a number of any Switchboard account")
    if kind == "mms" and not number.mms_enabled:
        raise ValidationError(f"to: {dst} is not MMS-enabled, so no carrier delivers an MMS to it")
    request.app.state.messaging.pipeline.connectors.get("sim").send_from_phone(src, dst, spec.text, spec.media_urls)
    units = 1 if kind == "mms" else segmented.units
    return plivo_response({"message": "message sent", "from": src, "to": dst, "type": kind, "units": units}, 202)
