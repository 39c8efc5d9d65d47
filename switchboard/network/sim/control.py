"""What the simulator's controls do, for the ``/_sim/`` API and the console's Simulator page alike:
place a call from a simulated phone, send a message from one, move the virtual clock.

The request models are here too, so both callers read a request into the same model and get the
same messages; the callers only decide who may act (the API: main accounts; the page: any
session, on its own numbers and endpoints)."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from switchboard.core.clock import Clock, VirtualClock
from switchboard.core.db import Database
from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.sms_encoding import segment, too_long
from switchboard.core.validators import no_nul
from switchboard.network.connector import ConnectorSet
from switchboard.network.sim.calls import SimNetwork
from switchboard.network.sim.legs import SimLeg
from switchboard.network.sim.phones import CallStep
from switchboard.network.sim.sms import NAME as SIM_CARRIER
from switchboard.network.sim.sms import SimulatedCarrier
from switchboard.numbers.models import RentedNumber
from switchboard.numbers.phone import e164_digits, parse_e164

HeaderPart = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")]
Address = Annotated[str, StringConstraints(min_length=1, max_length=256,
                                           pattern=r"^(\+?[0-9]{3,20}|sip:[A-Za-z0-9_.+\-]+@[A-Za-z0-9.\-]+(:[0-9]+)?|endpoint:[A-Za-z0-9_.\-]+)$")]
MediaUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^/\s]+\S*$", max_length=2048)]


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


class SimMessage(BaseModel):
    """Body of ``POST /_sim/messages``."""

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


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(gt=0, le=86_400 * 365)


def plivo_number(address: str) -> str:
    """A number as Plivo writes it (digits, no ``+``); endpoints and SIP URIs unchanged."""
    return address.lstrip("+") if address[:1] in tuple("+0123456789") else address


async def place_call(network: SimNetwork, sip_domain: str, spec: SimCall) -> SimLeg:
    """A simulated phone calls into the platform; the call is routed like a real inbound call."""
    caller = plivo_number(spec.from_)
    if caller.startswith("endpoint:"):  # an endpoint calls as its SIP URI, as Plivo's From says
        caller = f"sip:{caller.removeprefix('endpoint:')}@{sip_domain}"
    return await network.place_call(caller, plivo_number(spec.to), spec.script, spec.caller_name,
                                    plivo_number(spec.forwarded_from or ""), spec.stir_attestation or "",
                                    spec.sip_headers)


def sim_carrier(connectors: ConnectorSet) -> SimulatedCarrier:
    carrier = connectors.get(SIM_CARRIER)
    assert isinstance(carrier, SimulatedCarrier)
    return carrier


async def send_message(db: Database, carrier: SimulatedCarrier, spec: SimMessage) -> dict[str, Any]:
    """A simulated phone sends an SMS (or, with media URLs, an MMS) to a Switchboard number."""
    src = e164_digits(parse_e164(spec.from_, "from"))
    dst = e164_digits(parse_e164(spec.to, "to"))
    kind = "mms" if spec.media_urls else "sms"
    segmented = segment(spec.text)
    problem = too_long(segmented)
    if problem and kind == "sms":
        raise ValidationError(f"text: {problem}")
    async with db.session() as session:
        number = await session.get(RentedNumber, dst)
    if number is None:
        raise NotFoundError(f"to: {dst} is not a number of any Switchboard account")
    if kind == "mms" and not number.mms_enabled:
        raise ValidationError(f"to: {dst} is not MMS-enabled, so no carrier delivers an MMS to it")
    carrier.send_from_phone(src, dst, spec.text, spec.media_urls)
    units = 1 if kind == "mms" else segmented.units
    return {"message": "message sent", "from": src, "to": dst, "type": kind, "units": units}


def hang_up(network: SimNetwork, call_uuid: str) -> None:
    """The simulated phone on a call hangs up (the call's UUID, as the platform knows it); a call
    that has already ended stays ended."""
    if not network.phone_hangs_up(call_uuid):
        raise NotFoundError(f"no call {call_uuid} with a simulated phone")


def clock_json(clock: Clock) -> dict[str, Any]:
    return {"mode": "virtual" if isinstance(clock, VirtualClock) else "real", "now": clock.now().isoformat()}


def advance_clock(clock: Clock, spec: ClockAdvance) -> dict[str, Any]:
    """Move a virtual clock forward, firing every timer due meanwhile; a real clock cannot move."""
    if not isinstance(clock, VirtualClock):
        raise ValidationError("the clock is real time; start the server with --clock virtual to move it")
    fired = clock.advance(spec.seconds)
    return {**clock_json(clock), "timers_fired": fired}
