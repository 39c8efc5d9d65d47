"""Simulator (Switchboard's own page): place a call from a simulated phone into one of the
account's numbers or endpoints and watch it live, send a message from a phone, read what phones
received, and move a virtual clock. Everything goes through ``network/sim/control.py``, the code
behind the ``/_sim/`` API.

Who may do what: any session may call and message its own numbers and endpoints (a subaccount
only its own); the From number is any phone, as on the phone network. Only a main account may
move the virtual clock, as only a main account may use ``/_sim/``: the clock is the whole
server's, and a subaccount is a main account's customer, who must not move time under the
main account's other customers (docs/console.md)."""

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.scope import visible
from switchboard.console.pages import PageError, page_of
from switchboard.console.session import Console
from switchboard.console.simulator import views
from switchboard.console.simulator.forms import CLOCK_UNITS, PLACEHOLDERS, STEPS, CallForm, MessageForm, clock_advance
from switchboard.console.templating import render
from switchboard.core.clock import Clock, VirtualClock
from switchboard.core.errors import PlivoError
from switchboard.core.http import Session
from switchboard.core.pagination import MAX_OFFSET, PageParams
from switchboard.endpoints.models import Endpoint
from switchboard.network.sim import control
from switchboard.network.sim.calls import phone_for
from switchboard.numbers.models import RentedNumber
from switchboard.numbers.phone import parse_e164
from switchboard.voice import service as voice_service
from switchboard.voice.models import CallRecord
from switchboard.webhooks.debuglog import attempts_for_call

router = APIRouter(prefix="/simulator", include_in_schema=False)
BASE = "/simulator"
TARGETS = 200  # numbers and endpoints offered as targets (more are typed in)
PER_PAGE = 20
RECENT_CALLS = 10  # calls placed from this session, kept in the session cookie
TAIL_POLLS = 3  # polls after a call ended, for the callbacks sent as it ended


def _clock(request: Request) -> Clock:
    return request.app.state.clock


def _sip_domain(request: Request) -> str:
    return request.app.state.settings.resolved_sip_domain


async def _targets(session: AsyncSession, ctx: AuthContext, sip_domain: str) -> dict[str, list[tuple[str, str]]]:
    """(value, label) of the account's numbers and endpoints, for the To lists."""
    numbers = list(await session.scalars(visible(ctx, RentedNumber).order_by(RentedNumber.number).limit(TARGETS)))
    endpoints = list(await session.scalars(visible(ctx, Endpoint).order_by(Endpoint.username).limit(TARGETS)))
    label = lambda row: f"{row.number} ({row.alias})" if row.alias else row.number  # noqa: E731
    return {
        "voice": [(row.number, label(row)) for row in numbers if row.voice_enabled],
        "sms": [(row.number, label(row)) for row in numbers if row.sms_enabled or row.mms_enabled],
        "endpoints": [(f"sip:{row.username}@{sip_domain}", f"{row.username} ({row.alias})") for row in endpoints],
    }


async def _owns_target(session: AsyncSession, ctx: AuthContext, to: str) -> bool:
    """Whether ``to`` (digits, or an endpoint's ``sip:`` URI) is one of the session's numbers or endpoints."""
    if to.startswith("sip:"):
        username = to[4:].split("@", 1)[0]
        return await session.scalar(visible(ctx, Endpoint).where(Endpoint.username == username)) is not None
    number = control.plivo_number(to)
    return await session.scalar(visible(ctx, RentedNumber).where(RentedNumber.number == number)) is not None


def _not_yours(to: str) -> str:
    return f"to: {to} is not one of this account's numbers or endpoints"


async def _page(request: Request, ctx: AuthContext, session: Session, call: CallForm | None = None,
                message: MessageForm | None = None, clock_error: str = "", status_code: int = 200) -> Response:
    summaries = await views.phone_summaries(session, ctx, request.app.state.voice, request.app.state.phone_book)
    params = _page_params(request)
    clock = _clock(request)
    return render(request, "simulator/simulator.html", {
        "nav": "simulator", "who": ctx.account, "targets": await _targets(session, ctx, _sip_domain(request)),
        "call": call or CallForm(), "message": message or MessageForm(), "steps": STEPS, "placeholders": PLACEHOLDERS,
        "phones": summaries[params.offset:params.offset + params.limit],
        "page": page_of(BASE, params, len(summaries)), "recent": request.session.get("sim_calls", []),
        "virtual": isinstance(clock, VirtualClock), "now": clock.now(), "units": CLOCK_UNITS,
        "clock_error": clock_error, "sent": request.query_params.get("sent", ""),
    }, status_code=status_code)


def _page_params(request: Request) -> PageParams:
    """The page of a list asked for (``offset``; 20 a page); a bad offset is the first page."""
    raw = request.query_params.get("offset", "0")
    return PageParams(limit=PER_PAGE, offset=min(int(raw), MAX_OFFSET) if raw.isdigit() and len(raw) < 12 else 0)


@router.get("", response_class=HTMLResponse)
async def simulator(request: Request, ctx: Console, session: Session) -> Response:
    return await _page(request, ctx, session)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@router.post("/calls", response_class=HTMLResponse)
async def place_call(request: Request, ctx: Console, session: Session) -> Response:
    form = await request.form()
    call = CallForm.read(form)
    if call.edit(form):
        return await _page(request, ctx, session, call=call)
    try:  # the page calls from numbers (endpoints call through /_sim/calls): read as /_sim/messages reads one
        parse_e164(call.from_, "from")
    except PlivoError as exc:
        call.errors["from"] = exc.message
    script = call.script()
    spec = call.model(script) if script is not None else None
    if "to" not in call.errors and not await _owns_target(session, ctx, call.to):
        call.errors["to"] = _not_yours(call.to)
    refused = 200 if _is_htmx(request) else 400  # htmx swaps only 2xx answers into the page
    if call.errors or spec is None:
        return await _page(request, ctx, session, call=call, status_code=refused)
    try:
        leg = await control.place_call(request.app.state.sim_network, _sip_domain(request), spec)
    except PlivoError as exc:
        call.errors[""] = exc.message
        return await _page(request, ctx, session, call=call, status_code=refused)
    recent = [entry for entry in request.session.get("sim_calls", []) if isinstance(entry, list)]
    request.session["sim_calls"] = [[leg.uuid, phone_for(leg.from_), leg.from_, leg.to], *recent][:RECENT_CALLS]
    target = f"{BASE}/calls/{leg.uuid}"
    if _is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.post("/messages", response_class=HTMLResponse)
async def send_message(request: Request, ctx: Console, session: Session) -> Response:
    message = MessageForm.read(await request.form())
    spec = message.model()
    if spec is not None and not await _owns_target(session, ctx, spec.to):
        message.errors["to"] = _not_yours(spec.to)
    if spec is not None and not message.errors:
        try:
            await control.send_message(request.app.state.db, control.sim_carrier(request.app.state.messaging.pipeline.connectors),
                                       spec)
        except PlivoError as exc:
            name = exc.message.split(":", 1)[0]
            message.errors[name if name in ("from", "to", "text") else ""] = exc.message
        else:
            return RedirectResponse(f"{BASE}?sent={spec.to}#phones", status_code=303)
    return await _page(request, ctx, session, message=message, status_code=400)


@router.post("/clock", response_class=HTMLResponse)
async def advance_clock(request: Request, ctx: Console, session: Session) -> Response:
    if not ctx.account.is_main:
        raise PageError(403, "only a main account may move the server's clock")
    spec, error = clock_advance(await request.form())
    if spec is not None:
        try:
            control.advance_clock(_clock(request), spec)
        except PlivoError as exc:
            error = exc.message
        else:
            return RedirectResponse(f"{BASE}#clock", status_code=303)
    return await _page(request, ctx, session, clock_error=error, status_code=400)


# --- a call's live view -------------------------------------------------------------------------


async def _call_view(request: Request, ctx: AuthContext, session: AsyncSession, call_uuid: str) -> dict[str, Any]:
    """What the live view shows; 404 unless the session placed the call or may see it."""
    placed = {entry[0]: entry for entry in request.session.get("sim_calls", []) if isinstance(entry, list) and entry}
    engine = request.app.state.voice
    live = next((call for call in voice_service.visible_live(engine, ctx) if call.call_uuid == call_uuid), None)
    record = None
    if live is None:
        try:
            record = await voice_service.get_record(session, ctx, call_uuid)
        except PlivoError:
            record = None
    if live is None and record is None and call_uuid not in placed:
        raise PageError(404, f"call {call_uuid} not found")
    caller = placed[call_uuid][1] if call_uuid in placed else _phone_of(live or record)
    phone = request.app.state.phone_book.get(caller)
    events = [event for event in (phone.log if phone else []) if event.detail.get("call_uuid") == call_uuid]
    lines = [views.describe(event) for event in events]
    started = events[0].at if events else (live.initiation_time if live else record.initiation_time)  # type: ignore[union-attr]
    requests = await attempts_for_call(session, ctx, call_uuid, started - timedelta(seconds=5))
    ended = record is not None and record.end_time is not None
    if live is not None:
        status, frm, to = live.status, live.from_, live.to
    elif record is not None:
        status, frm, to = record.status, record.from_number, record.to_number
    else:
        ended = any(event.kind == "call" and event.detail.get("state") == "ended" for event in events)
        status, frm, to = ("ended" if ended else "connecting"), placed[call_uuid][2], placed[call_uuid][3]
    return {"call_uuid": call_uuid, "status": status, "from": frm, "to": to, "caller": caller, "ended": ended,
            "record": record, "lines": [(line, _since(started, line.at)) for line in lines],
            "requests": views.requests_of(requests), "pressed": "".join(e.detail.get("digits", "") for e in events if e.kind == "pressed")}


def _phone_of(call: Any) -> str:
    """The simulated phone at the far end of a call: the caller of an inbound call, the callee of an
    outbound one (a live call or its record)."""
    if call.direction == "outbound":
        return phone_for(call.to if hasattr(call, "from_") else call.to_number)
    return phone_for(call.from_ if hasattr(call, "from_") else call.from_number)


def _since(start: datetime, at: datetime) -> str:
    return f"+{(at - start).total_seconds():.1f} s"


def _tail(request: Request) -> int:
    raw = request.query_params.get("tail", "0")
    return int(raw) if raw.isdigit() and len(raw) < 3 else 0


@router.get("/calls/{call_uuid}", response_class=HTMLResponse)
async def call_view(request: Request, ctx: Console, session: Session, call_uuid: str) -> Response:
    view = await _call_view(request, ctx, session, call_uuid)
    return render(request, "simulator/call.html", {"nav": "simulator", "who": ctx.account, "tail": 0,
                                                   "tail_polls": TAIL_POLLS, **view})


@router.get("/calls/{call_uuid}/live", response_class=HTMLResponse)
async def call_live(request: Request, ctx: Console, session: Session, call_uuid: str) -> Response:
    """The live part of the call's view, polled every 2 s until a few polls after the call ended."""
    view = await _call_view(request, ctx, session, call_uuid)
    tail = _tail(request) + 1 if view["ended"] else 0
    return render(request, "simulator/call_live.html", {"tail": tail, "tail_polls": TAIL_POLLS, **view})


@router.post("/calls/{call_uuid}/hangup")
async def hang_up(request: Request, ctx: Console, session: Session, call_uuid: str) -> Response:
    """The phone on the call hangs up (a call the session may see; one that already ended stays ended)."""
    await _call_view(request, ctx, session, call_uuid)
    try:
        control.hang_up(request.app.state.sim_network, call_uuid)
    except PlivoError:
        pass  # it ended meanwhile: the view says how
    return RedirectResponse(f"{BASE}/calls/{call_uuid}", status_code=303)


# --- a phone ------------------------------------------------------------------------------------


async def _phone_view(request: Request, ctx: AuthContext, session: AsyncSession, address: str) -> dict[str, Any]:
    phone = request.app.state.phone_book.get(address)
    seen = await views.visibility(session, ctx, request.app.state.voice, phone.log if phone else [])
    shown = [event for event in (phone.log if phone else []) if seen.shows(event)]
    if not shown:
        raise PageError(404, f"no simulated phone {address} with calls or messages of this account")
    params = _page_params(request)
    newest = list(reversed(shown))
    return {"address": address, "lines": [views.describe(event) for event in newest[params.offset:params.offset + params.limit]],
            "page": page_of(f"{BASE}/phones/{quote(address)}", params, len(newest))}


@router.get("/phones/{address}", response_class=HTMLResponse)
async def phone_view(request: Request, ctx: Console, session: Session, address: str) -> Response:
    view = await _phone_view(request, ctx, session, address)
    return render(request, "simulator/phone.html", {"nav": "simulator", "who": ctx.account, **view})


@router.get("/phones/{address}/log", response_class=HTMLResponse)
async def phone_log(request: Request, ctx: Console, session: Session, address: str) -> Response:
    view = await _phone_view(request, ctx, session, address)
    return render(request, "simulator/phone_log.html", view)
