"""The simulator's call control under ``/_sim/`` (not part of Plivo's API; see docs/simulator.md):
placing calls into the platform from simulated phones, and moving the virtual clock."""

from typing import Annotated, Any, Literal

import pydantic
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from switchboard.accounts.auth import AccountRecord, authenticate_main
from switchboard.core.clock import VirtualClock
from switchboard.core.errors import ValidationError
from switchboard.core.params import describe, openapi_body, read_params
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.network.sim.calls import SimNetwork
from switchboard.network.sim.phones import CallStep

router = APIRouter(prefix="/_sim", tags=["Simulator (Switchboard extension)"], responses=ERROR_RESPONSES)

Main = Annotated[AccountRecord, Depends(authenticate_main)]
HeaderPart = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")]
Address = Annotated[str, StringConstraints(min_length=1, max_length=256,
                                           pattern=r"^(\+?[0-9]{3,20}|sip:[A-Za-z0-9_.+\-]+@[A-Za-z0-9.\-]+(:[0-9]+)?|endpoint:[A-Za-z0-9_.\-]+)$")]


class SimCall(BaseModel):
    """Body of ``POST /_sim/calls``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Address = Field(alias="from", description="The calling phone: a number, or endpoint:<username> / sip: URI.")
    to: Address = Field(description="A Switchboard number, or an endpoint's sip: URI.")
    caller_name: Annotated[str, StringConstraints(max_length=50, pattern=r"^[^\x00]*$")] = ""
    forwarded_from: Address | None = Field(None, description="The number the call was diverted from (SIP Diversion).")
    stir_attestation: Literal["A", "B", "C"] | None = Field(None, description="The caller's STIR/SHAKEN attestation; none: unsigned.")
    sip_headers: dict[HeaderPart, HeaderPart] = Field(
        default_factory=dict, max_length=20,
        description="Custom headers a calling endpoint sends (name without X-PH-: value); letters and digits.")

    @model_validator(mode="after")
    def _headers_from_endpoints(self) -> "SimCall":
        if self.sip_headers and not self.from_.startswith(("endpoint:", "sip:")):
            raise ValueError("sip_headers: only a calling endpoint (SIP) sends custom headers")
        return self
    script: list[CallStep] = Field(default_factory=list, max_length=1000)


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(gt=0, le=86_400 * 365)


def _parse(model: type[pydantic.BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(describe(exc.errors(include_url=False))) from None


def _number(address: str) -> str:
    """A number as Plivo writes it (digits, no ``+``); endpoints and SIP URIs unchanged."""
    return address.lstrip("+") if address[:1] in tuple("+0123456789") else address


@router.post("/calls", status_code=201, summary="Place a call into the platform from a simulated phone",
             openapi_extra=openapi_body(SimCall))
async def place_call(request: Request, _main: Main) -> Response:
    spec: SimCall = _parse(SimCall, await read_params(request))
    network: SimNetwork = request.app.state.sim_network
    to = _number(spec.to)
    caller = _number(spec.from_)
    if caller.startswith("endpoint:"):  # an endpoint calls as its SIP URI, as Plivo's From says
        caller = f"sip:{caller.removeprefix('endpoint:')}@{request.app.state.settings.resolved_sip_domain}"
    leg = await network.place_call(caller, to, spec.script, spec.caller_name,
                                   _number(spec.forwarded_from or ""), spec.stir_attestation or "", spec.sip_headers)
    return plivo_response({"call_uuid": leg.uuid, "from": leg.from_, "to": leg.to, "message": "call placed"}, 201)


def _clock_json(request: Request) -> dict[str, Any]:
    clock = request.app.state.clock
    return {"mode": "virtual" if isinstance(clock, VirtualClock) else "real", "now": clock.now().isoformat()}


@router.get("/clock", summary="The simulated network's clock")
async def get_clock(request: Request, _main: Main) -> Response:
    return plivo_response(_clock_json(request))


@router.post("/clock/advance", summary="Move the virtual clock forward", openapi_extra=openapi_body(ClockAdvance))
async def advance_clock(request: Request, _main: Main) -> Response:
    spec: ClockAdvance = _parse(ClockAdvance, await read_params(request))
    clock = request.app.state.clock
    if not isinstance(clock, VirtualClock):
        raise ValidationError("the clock is real time; start the server with --clock virtual to move it")
    fired = clock.advance(spec.seconds)
    return plivo_response({**_clock_json(request), "timers_fired": fired})
