"""Messaging > Send a Message (the service of ``POST Message/``, its validation messages beside the
fields) and Messaging > Settings (``messaging.settings``: the opt-out handling and answer texts of
``MessagingSettings/``, and the opt-out list)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts.auth import AuthContext, client_address
from switchboard.accounts.scope import visible
from switchboard.console.applications.form import validate
from switchboard.console.pages import PageError, page_of, page_params
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import NotFoundError, PlivoError
from switchboard.core.http import ClockDep, Session
from switchboard.messaging import service, settings
from switchboard.messaging.models import Message
from switchboard.messaging.schemas import MessageSend
from switchboard.numbers.models import RentedNumber

router = APIRouter(prefix="/messaging", include_in_schema=False)
SEND = "/messaging/send"
SETTINGS = "/messaging/settings"
SEND_FIELDS = ("src", "dst", "text", "type", "media_urls")
SETTINGS_FIELDS = ("opt_out", "help_text", "stop_text", "start_text")
MAX_SENDERS = 200


def placed(message: str, fields: tuple[str, ...]) -> dict[str, str]:
    """An API error under the field it starts with (``"src: ..."``, ``"text is required ..."``), else the form's."""
    name = message.split(":", 1)[0].split(" ", 1)[0]
    if name == "media_ids":
        name = "media_urls"
    return {name if name in fields else "": message}


async def _senders(session: Session, ctx: AuthContext) -> list[RentedNumber]:
    """The SMS-enabled numbers the session may send from (a subaccount: its own)."""
    statement = visible(ctx, RentedNumber).where(RentedNumber.sms_enabled.is_(True)).order_by(RentedNumber.number)
    return list((await session.scalars(statement.limit(MAX_SENDERS))).all())


async def _sent(request: Request, ctx: AuthContext, session: Session) -> list[Message]:
    """The messages the ``sent`` query names that the session may read (another's are skipped)."""
    sent = []
    for uuid in request.query_params.get("sent", "").split(",")[:10]:
        try:
            sent.append(await service.get_message(session, ctx, uuid))
        except NotFoundError:
            continue
    return sent


async def _send_page(request: Request, ctx: AuthContext, session: Session, values: dict[str, str],
                     errors: dict[str, str], status_code: int = 200) -> Response:
    sent = await _sent(request, ctx, session)
    return render(request, "messaging/send.html", {
        "nav": "send_message", "who": ctx.account, "senders": await _senders(session, ctx), "values": values,
        "errors": errors, "sent": sent,
    }, status_code=status_code)


@router.get("/send", response_class=HTMLResponse)
async def send_form(request: Request, ctx: Console, session: Session) -> Response:
    values = {"src": "", "dst": "", "text": "", "type": "sms", "media_urls": ""}
    return await _send_page(request, ctx, session, values, {})


@router.post("/send", response_class=HTMLResponse)
async def send_message(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in SEND_FIELDS}
    given: dict[str, Any] = {**values, "media_urls": values["media_urls"].replace("\r", "").replace("\n", ",")}
    if not given["media_urls"].strip(", "):
        given.pop("media_urls")
    params, errors = validate(MessageSend, given)
    if params is not None:
        assert isinstance(params, MessageSend)
        try:
            uuids = await service.send(session, clock, request.app.state.messaging, ctx, params, client_address(request))
        except PlivoError as exc:
            errors = placed(exc.message, SEND_FIELDS)
        else:
            return RedirectResponse(f"{SEND}?sent={','.join(uuids[:10])}", status_code=303)
    return await _send_page(request, ctx, session, values, errors, status_code=400)


@router.get("/send/status", response_class=HTMLResponse)
async def sent_status(request: Request, ctx: Console, session: Session) -> Response:
    """The sent messages' states alone, polled by the page."""
    return render(request, "messaging/sent.html", {"sent": await _sent(request, ctx, session)})


# --- settings ------------------------------------------------------------------------------------


async def _settings_page(request: Request, ctx: AuthContext, session: Session, *, values: dict[str, str] | None = None,
                         errors: dict[str, str] | None = None, opt_out: dict[str, str] | None = None,
                         opt_out_errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    params = page_params(request.query_params)
    rows, total = await settings.list_opt_outs(session, ctx, params)
    return render(request, "messaging/settings.html", {
        "nav": "messaging_settings", "who": ctx.account,
        "values": values if values is not None else (await settings.get_settings(session, ctx) if ctx.sub_auth_id is None else None),
        "errors": errors or {}, "opt_outs": rows, "page": page_of(SETTINGS, params, total),
        "numbers": [number.number for number in await _senders(session, ctx)],
        "opt_out": opt_out or {"number": "", "handset": ""}, "opt_out_errors": opt_out_errors or {},
        "saved": request.query_params.get("saved", ""),
    }, status_code=status_code)


@router.get("/settings", response_class=HTMLResponse)
async def settings_page(request: Request, ctx: Console, session: Session) -> Response:
    return await _settings_page(request, ctx, session)


@router.post("/settings", response_class=HTMLResponse)
async def save_settings(request: Request, ctx: Console, session: Session) -> Response:
    if ctx.sub_auth_id is not None:
        raise PageError(403, "messaging settings belong to the main account; use its credentials and auth_id")
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in SETTINGS_FIELDS}
    changes, errors = validate(settings.SettingsUpdate, values)
    if changes is not None:
        assert isinstance(changes, settings.SettingsUpdate)
        await settings.update_settings(session, ctx, changes)
        return RedirectResponse(f"{SETTINGS}?saved=settings", status_code=303)
    return await _settings_page(request, ctx, session, values=values, errors=errors, status_code=400)


@router.post("/settings/opt-outs", response_class=HTMLResponse)
async def add_opt_out(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    form = await request.form()
    given = {name: str(form.get(name, "")) for name in ("number", "handset")}
    try:
        await settings.add_opt_out(session, ctx, given["number"], given["handset"], clock.now())
    except PlivoError as exc:
        return await _settings_page(request, ctx, session, opt_out=given, opt_out_errors=placed(exc.message, ("number", "handset")),
                                    status_code=exc.status_code)
    return RedirectResponse(f"{SETTINGS}?saved=opt-out", status_code=303)


@router.post("/settings/opt-outs/remove", response_class=HTMLResponse)
async def remove_opt_out(request: Request, ctx: Console, session: Session) -> Response:
    form = await request.form()
    try:
        await settings.remove_opt_out(session, ctx, str(form.get("number", "")), str(form.get("handset", "")))
    except NotFoundError as exc:
        raise PageError(404, exc.message) from None
    return RedirectResponse(f"{SETTINGS}?saved=removed", status_code=303)
