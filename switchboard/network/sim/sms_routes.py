"""``POST /_sim/messages``: a simulated handset sends a message (an SMS, or an MMS with media URLs)
into the platform (see docs/simulator.md). Any main account's credentials may use it."""

from typing import Annotated

import pydantic
from fastapi import APIRouter, Depends, Request, Response

from switchboard.accounts.auth import AccountRecord, authenticate_main
from switchboard.core.errors import ValidationError
from switchboard.core.params import describe, openapi_body, read_params
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.network.sim import control
from switchboard.network.sim.control import SimMessage

router = APIRouter(prefix="/_sim", tags=["Simulator (Switchboard extension)"], responses=ERROR_RESPONSES)

Main = Annotated[AccountRecord, Depends(authenticate_main)]


@router.post("/messages", status_code=202, summary="A simulated phone sends a message to a Switchboard number",
             openapi_extra=openapi_body(SimMessage))
async def send_from_phone(request: Request, _main: Main) -> Response:
    try:
        spec = SimMessage.model_validate(await read_params(request))
    except pydantic.ValidationError as exc:
        raise ValidationError(describe(exc.errors(include_url=False))) from None
    result = await control.send_message(request.app.state.db, control.sim_carrier(request.app.state.messaging.pipeline.connectors), spec)
    return plivo_response(result, 202)
