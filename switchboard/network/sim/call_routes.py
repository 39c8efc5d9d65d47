"""The simulator's call control under ``/_sim/`` (not part of Plivo's API; see docs/simulator.md):
placing calls into the platform from simulated phones, and moving the virtual clock."""

from typing import Annotated, Any

import pydantic
from fastapi import APIRouter, Depends, Request, Response

from switchboard.accounts.auth import AccountRecord, authenticate_main
from switchboard.core.errors import ValidationError
from switchboard.core.params import describe, openapi_body, read_params
from switchboard.core.responses import ERROR_RESPONSES, no_content, plivo_response
from switchboard.network.sim import control
from switchboard.network.sim.control import ClockAdvance, SimCall

router = APIRouter(prefix="/_sim", tags=["Simulator (Switchboard extension)"], responses=ERROR_RESPONSES)

Main = Annotated[AccountRecord, Depends(authenticate_main)]


def _parse(model: type[pydantic.BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(describe(exc.errors(include_url=False))) from None


@router.post("/calls", status_code=201, summary="Place a call into the platform from a simulated phone",
             openapi_extra=openapi_body(SimCall))
async def place_call(request: Request, _main: Main) -> Response:
    spec: SimCall = _parse(SimCall, await read_params(request))
    leg = await control.place_call(request.app.state.sim_network, request.app.state.settings.resolved_sip_domain, spec)
    return plivo_response({"call_uuid": leg.uuid, "from": leg.from_, "to": leg.to, "message": "call placed"}, 201)


@router.delete("/calls/{call_uuid}", status_code=204, response_class=Response,
               summary="The simulated phone on a call hangs up")
async def hang_up(request: Request, _main: Main, call_uuid: str) -> Response:
    control.hang_up(request.app.state.sim_network, call_uuid)
    return no_content()


@router.get("/clock", summary="The simulated network's clock")
async def get_clock(request: Request, _main: Main) -> Response:
    return plivo_response(control.clock_json(request.app.state.clock))


@router.post("/clock/advance", summary="Move the virtual clock forward", openapi_extra=openapi_body(ClockAdvance))
async def advance_clock(request: Request, _main: Main) -> Response:
    spec: ClockAdvance = _parse(ClockAdvance, await read_params(request))
    return plivo_response(control.advance_clock(request.app.state.clock, spec))
