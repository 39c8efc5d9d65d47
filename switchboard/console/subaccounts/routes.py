"""Sub Accounts: list, create (Name, Enabled), edit, delete with Plivo's cascade choice, through
the service the ``Subaccount/`` API routes call. Only a main account manages subaccounts: a
subaccount's session gets the API's 403 on every page and action here."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts import service
from switchboard.accounts.auth import AuthContext
from switchboard.accounts.models import Account
from switchboard.accounts.schemas import SubaccountCreate, SubaccountUpdate
from switchboard.console.forms import validate
from switchboard.console.pages import PageError, page_of, page_params
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import PlivoError
from switchboard.core.http import ClockDep, Session

router = APIRouter(prefix="/subaccounts", include_in_schema=False)
BASE = "/subaccounts"


def _main(ctx: AuthContext) -> str:
    """The main account's auth_id; the API's 403 for a subaccount's session."""
    try:
        service.require_main(ctx.account)
    except PlivoError as exc:
        raise PageError(exc.status_code, exc.message) from None
    return ctx.account.auth_id


async def _owned(session: Session, ctx: AuthContext, sub_auth_id: str) -> Account:
    try:
        return await service.get_subaccount(session, _main(ctx), sub_auth_id)
    except PlivoError as exc:
        raise PageError(exc.status_code, exc.message) from None


def _form(request: Request, ctx: AuthContext, sub: Account | None, values: dict[str, Any], errors: dict[str, str],
          status_code: int = 200) -> Response:
    return render(request, "subaccounts/form.html", {
        "nav": "subaccounts", "who": ctx.account, "sub": sub, "values": values, "errors": errors,
    }, status_code=status_code)


async def _posted(request: Request) -> dict[str, Any]:
    """The form as the API's parameters (an unticked Enabled box is ``false``)."""
    form = await request.form()
    name = form.get("name", "")
    return {"name": name if isinstance(name, str) else "", "enabled": "true" if form.get("enabled") else "false"}


@router.get("", response_class=HTMLResponse)
async def subaccount_list(request: Request, ctx: Console, session: Session) -> Response:
    main = _main(ctx)
    params = page_params(request.query_params)
    subs, total = await service.list_subaccounts(session, main, params)
    return render(request, "subaccounts/list.html", {
        "nav": "subaccounts", "who": ctx.account, "subs": subs, "page": page_of(BASE, params, total),
    })


@router.get("/new", response_class=HTMLResponse)
async def new_subaccount(request: Request, ctx: Console) -> Response:
    _main(ctx)
    return _form(request, ctx, None, {"name": "", "enabled": True}, {})


@router.post("/new", response_class=HTMLResponse)
async def create_subaccount(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    main = _main(ctx)
    values = await _posted(request)
    params, errors = validate(SubaccountCreate, values)
    if params is None:
        return _form(request, ctx, None, values, errors, status_code=400)
    assert isinstance(params, SubaccountCreate)
    await service.create_subaccount(session, clock, main, params)
    return RedirectResponse(BASE, status_code=303)


@router.get("/{sub_auth_id}", response_class=HTMLResponse)
async def edit_subaccount(request: Request, ctx: Console, session: Session, sub_auth_id: str) -> Response:
    sub = await _owned(session, ctx, sub_auth_id)
    return _form(request, ctx, sub, {"name": sub.name, "enabled": sub.enabled}, {})


@router.post("/{sub_auth_id}", response_class=HTMLResponse)
async def update_subaccount(request: Request, ctx: Console, session: Session, clock: ClockDep,
                            sub_auth_id: str) -> Response:
    sub = await _owned(session, ctx, sub_auth_id)
    values = await _posted(request)
    params, errors = validate(SubaccountUpdate, values)
    if params is None:
        return _form(request, ctx, sub, values, errors, status_code=400)
    assert isinstance(params, SubaccountUpdate)
    await service.update_subaccount(session, clock, ctx.account.auth_id, sub_auth_id, params)
    request.app.state.credentials.invalidate(sub_auth_id)
    return RedirectResponse(BASE, status_code=303)


@router.post("/{sub_auth_id}/delete")
async def delete_subaccount(request: Request, ctx: Console, session: Session, sub_auth_id: str) -> Response:
    await _owned(session, ctx, sub_auth_id)
    form = await request.form()
    await service.delete_subaccount(session, ctx.account.auth_id, sub_auth_id, cascade=bool(form.get("cascade")))
    request.app.state.credentials.invalidate(sub_auth_id)
    return RedirectResponse(BASE, status_code=303)
