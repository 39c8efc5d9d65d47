"""Carriers: incoming carriers (the IP sets calls to your own numbers arrive from) and outgoing
carriers (SIP trunks with their prefixes), through the services of ``IncomingCarrier/`` and
``OutgoingCarrier/``. Carriers belong to the main account: for a subaccount the service refuses
(403), as the API does."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts.auth import AuthContext
from switchboard.console.forms import Field, given, placed, submitted, validate
from switchboard.console.pages import PageError, page_of, shown
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import ForbiddenError, PlivoError
from switchboard.core.http import ClockDep, Session
from switchboard.core.params import Params
from switchboard.numbers import carriers
from switchboard.numbers.carriers import (
    CarrierList,
    IncomingCarrierCreate,
    IncomingCarrierUpdate,
    OutgoingCarrierCreate,
    OutgoingCarrierUpdate,
)
from switchboard.numbers.models import IncomingCarrier, OutgoingCarrier

router = APIRouter(prefix="/carriers", include_in_schema=False)
BASE = "/carriers"
INBAND = "Detect keys pressed as tones in the audio, for carriers that do not send them as RFC 4733 events."


@dataclass(frozen=True)
class Kind:
    """One of the two carrier resources, as the pages show it."""

    path: str
    title: str
    model: type[IncomingCarrier] | type[OutgoingCarrier]
    create: type[Params]
    update: type[Params]
    fields: tuple[Field, ...]

    @property
    def list_path(self) -> str:
        return BASE if self.path == "incoming" else f"{BASE}/{self.path}"


KINDS = {
    "incoming": Kind("incoming", "Incoming Carrier", IncomingCarrier, IncomingCarrierCreate, IncomingCarrierUpdate, (
        Field("name", "Name", "text", "Letters, digits, - and _."),
        Field("ip_set", "IP Set", "text", "Comma-separated IP addresses or networks (CIDR) the carrier's calls come from."),
        Field("voice", "Voice", "bool"),
        Field("sms", "SMS", "bool"),
        Field("enabled", "Enabled", "bool", "When off, traffic from this carrier is refused."),
        Field("inband_dtmf", "Inband DTMF", "bool", INBAND),
    )),
    "outgoing": Kind("outgoing", "Outgoing Carrier", OutgoingCarrier, OutgoingCarrierCreate, OutgoingCarrierUpdate, (
        Field("name", "Name", "text", "Letters, digits, - and _."),
        Field("address", "Address", "text", "The trunk's SIP address: host or host:port."),
        Field("ips", "IPs", "text", "Comma-separated IP addresses of the trunk."),
        Field("prefix", "Prefix", "text", "Dialled before the number: digits, *, # and +."),
        Field("suffix", "Suffix", "text", "Dialled after the number."),
        Field("failover_address", "Failover Address", "text", "Tried when the address fails."),
        Field("failover_prefix", "Failover Prefix", "text"),
        Field("retries", "Retries", "number", "0 to 10."),
        Field("retry_seconds", "Retry Seconds", "number", "0 to 3600."),
        Field("inband_dtmf", "Inband DTMF", "bool", INBAND),
    )),
}
DEFAULTS = {"voice": True, "enabled": True, "retries": 0, "retry_seconds": 0}


def _kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise PageError(404, f"no such carrier list: {name}")
    return kind


def _form(request: Request, ctx: AuthContext, kind: Kind, carrier: Any, values: dict[str, Any], errors: dict[str, str],
          status_code: int = 200) -> Response:
    return render(request, "carriers/form.html", {
        "nav": "carriers", "who": ctx.account, "kind": kind, "carrier": carrier, "values": values, "errors": errors,
    }, status_code=status_code)


@router.get("", response_class=HTMLResponse)
async def carrier_home(request: Request, ctx: Console, session: Session) -> Response:
    return await carrier_list(request, ctx, session, "incoming")


@router.get("/{kind_name}", response_class=HTMLResponse)
async def carrier_list(request: Request, ctx: Console, session: Session, kind_name: str) -> Response:
    kind = _kind(kind_name)
    params, errors = validate(CarrierList, given(dict(request.query_params)))
    if params is None:
        raise PageError(400, "; ".join(errors.values()))
    assert isinstance(params, CarrierList)
    rows, total = await shown(carriers.list_carriers(session, ctx, kind.model, params))
    return render(request, "carriers/list.html", {
        "nav": "carriers", "who": ctx.account, "kind": kind, "carriers": rows, "page": page_of(kind.list_path, params, total),
        "deleted": request.query_params.get("deleted", ""),
    })


@router.get("/{kind_name}/new", response_class=HTMLResponse)
async def new_carrier(request: Request, ctx: Console, kind_name: str) -> Response:
    kind = _kind(kind_name)
    try:
        carriers.main_only(ctx)
    except ForbiddenError as exc:
        raise PageError(403, exc.message) from None
    return _form(request, ctx, kind, None, {f.name: DEFAULTS.get(f.name, False if f.kind == "bool" else "")
                                            for f in kind.fields}, {})


async def _submit(request: Request, ctx: AuthContext, session: Session, kind: Kind, carrier: Any, save: Any) -> Response:
    values = submitted(await request.form(), kind.fields)
    params, errors = validate(kind.update if carrier else kind.create, values)
    if params is not None:
        try:
            await save(params)
        except ForbiddenError as exc:
            raise PageError(403, exc.message) from None
        except PlivoError as exc:
            await session.rollback()
            errors = placed(exc, [f.name for f in kind.fields])
        else:
            return RedirectResponse(kind.list_path, status_code=303)
    return _form(request, ctx, kind, carrier, values, errors, status_code=400)


@router.post("/{kind_name}/new", response_class=HTMLResponse)
async def create_carrier(request: Request, ctx: Console, session: Session, clock: ClockDep, kind_name: str) -> Response:
    kind = _kind(kind_name)
    return await _submit(request, ctx, session, kind, None,
                         lambda params: carriers.create_carrier(session, clock, ctx, kind.model, params))


@router.get("/{kind_name}/{carrier_id}", response_class=HTMLResponse)
async def edit_carrier(request: Request, ctx: Console, session: Session, kind_name: str, carrier_id: str) -> Response:
    kind = _kind(kind_name)
    carrier = await shown(carriers.get_carrier(session, ctx, kind.model, carrier_id))
    return _form(request, ctx, kind, carrier, {f.name: getattr(carrier, f.name) for f in kind.fields}, {})


@router.post("/{kind_name}/{carrier_id}", response_class=HTMLResponse)
async def update_carrier(request: Request, ctx: Console, session: Session, kind_name: str, carrier_id: str) -> Response:
    kind = _kind(kind_name)
    carrier = await shown(carriers.get_carrier(session, ctx, kind.model, carrier_id))
    return await _submit(request, ctx, session, kind, carrier,
                         lambda changes: carriers.update_carrier(session, ctx, kind.model, carrier_id, changes))


@router.post("/{kind_name}/{carrier_id}/delete")
async def delete_carrier(ctx: Console, session: Session, kind_name: str, carrier_id: str) -> Response:
    kind = _kind(kind_name)
    carrier = await shown(carriers.get_carrier(session, ctx, kind.model, carrier_id))
    name = carrier.name
    await carriers.delete_carrier(session, ctx, kind.model, carrier_id)
    return RedirectResponse(f"{kind.list_path}?{urlencode({'deleted': name})}", status_code=303)
