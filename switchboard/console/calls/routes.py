"""Voice > Live Calls: the calls ringing or in progress now (the list of ``GET Call/?status=live``),
refreshed by htmx polling, each with Hang up (the service of ``DELETE Call/{uuid}/``) and Transfer
(``POST Call/{uuid}/``). A call that ended meanwhile is an error shown on the page."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts.auth import AuthContext
from switchboard.console.applications.form import validate
from switchboard.console.pages import PageError
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import NotFoundError, PlivoError
from switchboard.voice import service
from switchboard.voice.call import LiveCall
from switchboard.voice.schemas import CallTransfer

router = APIRouter(prefix="/voice/calls", include_in_schema=False)
BASE = "/voice/calls"
TRANSFER_FIELDS = ("legs", "aleg_url", "aleg_method", "bleg_url", "bleg_method")


def _row(call: LiveCall) -> dict[str, Any]:
    seconds = int((call.clock.now() - call.answer_time).total_seconds()) if call.answer_time else 0
    return {"call_uuid": call.call_uuid, "direction": call.direction, "from": call.from_, "to": call.to,
            "status": call.status, "started": call.initiation_time.strftime("%Y-%m-%d %H:%M:%S"), "duration": seconds,
            "subaccount": call.sub_account_id, "bridged": call.dial is not None}


def live_rows(request: Request, ctx: AuthContext) -> list[dict[str, Any]]:
    """The session's live calls, oldest first, as the API lists them."""
    return [_row(call) for call in service.live_now(request.app.state.voice, ctx)]


def _list(request: Request, ctx: AuthContext, *, error: str = "", notice: str = "", status_code: int = 200) -> Response:
    return render(request, "calls/list.html", {
        "nav": "live_calls", "who": ctx.account, "calls": live_rows(request, ctx), "error": error, "notice": notice,
    }, status_code=status_code)


@router.get("", response_class=HTMLResponse)
async def live_calls(request: Request, ctx: Console) -> Response:
    notices = {"hungup": "Hung up call {}.", "transferred": "Transferred call {}."}
    notice = next((text.format(request.query_params[key]) for key, text in notices.items() if key in request.query_params), "")
    return _list(request, ctx, notice=notice)


@router.get("/live", response_class=HTMLResponse)
async def live_table(request: Request, ctx: Console) -> Response:
    """The table alone, polled by the page every 2 s."""
    return render(request, "calls/table.html", {"who": ctx.account, "calls": live_rows(request, ctx)})


@router.post("/{call_uuid}/hangup", response_class=HTMLResponse)
async def hang_up(request: Request, ctx: Console, call_uuid: str) -> Response:
    try:
        await service.hang_up(request.app.state.voice, ctx, call_uuid)
    except PlivoError as exc:
        return _list(request, ctx, error=exc.message, status_code=exc.status_code)
    return RedirectResponse(f"{BASE}?hungup={call_uuid}", status_code=303)


def _transfer_form(request: Request, ctx: AuthContext, call: LiveCall | None, call_uuid: str, values: dict[str, str],
                   errors: dict[str, str], status_code: int = 200) -> Response:
    return render(request, "calls/transfer.html", {
        "nav": "live_calls", "who": ctx.account, "call": _row(call) if call else None, "call_uuid": call_uuid,
        "values": values, "errors": errors,
    }, status_code=status_code)


@router.get("/{call_uuid}", response_class=HTMLResponse)
async def transfer_page(request: Request, ctx: Console, call_uuid: str) -> Response:
    try:
        call = service.live_call(request.app.state.voice, ctx, call_uuid)
    except NotFoundError as exc:
        raise PageError(404, exc.message) from None
    values = {"legs": "aleg", "aleg_url": "", "aleg_method": "POST", "bleg_url": "", "bleg_method": "POST"}
    return _transfer_form(request, ctx, call, call_uuid, values, {})


@router.post("/{call_uuid}", response_class=HTMLResponse)
async def transfer(request: Request, ctx: Console, call_uuid: str) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in TRANSFER_FIELDS}
    voice = request.app.state.voice
    params, errors = validate(CallTransfer, {name: value for name, value in values.items() if value})  # empty: the API's default
    if params is not None:
        assert isinstance(params, CallTransfer)
        try:
            service.transfer(voice, ctx, call_uuid, params)
        except PlivoError as exc:
            name = exc.message.split(":", 1)[0].split(" ", 1)[0]
            errors = {name if name in TRANSFER_FIELDS else "": exc.message}
            status = exc.status_code
        else:
            return RedirectResponse(f"{BASE}?transferred={call_uuid}", status_code=303)
    else:
        status = 400
    call = voice.live.get(call_uuid)
    mine = call if call is not None and call in service.visible_live(voice, ctx) else None
    return _transfer_form(request, ctx, mine, call_uuid, values, errors, status_code=status)
