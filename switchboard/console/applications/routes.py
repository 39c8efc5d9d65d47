"""Voice > XML Applications: list, add, edit, delete, through the API's application service."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts import applications
from switchboard.accounts.auth import AuthContext
from switchboard.accounts.models import Application
from switchboard.accounts.schemas import ApplicationCreate, ApplicationDelete, ApplicationList, ApplicationUpdate
from switchboard.console.applications.form import FIELDS, placed, submitted, validate, values_of
from switchboard.console.pages import PageError, page_of
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import NotFoundError, PlivoError
from switchboard.core.http import ClockDep, Session
from switchboard.core.params import Params

router = APIRouter(prefix="/voice/applications", include_in_schema=False)
BASE = "/voice/applications"


def _form(request: Request, ctx: AuthContext, app: Application | None, values: dict[str, Any],
          errors: dict[str, str], status_code: int = 200) -> Response:
    fields = [field for field in FIELDS if field.name != "subaccount" or ctx.sub_auth_id is None]
    return render(request, "applications/form.html", {
        "nav": "applications", "who": ctx.account, "app": app, "fields": fields, "values": values, "errors": errors,
        "sip_domain": request.app.state.settings.resolved_sip_domain,
    }, status_code=status_code)


async def _visible(session: Session, ctx: AuthContext, app_id: str) -> Application:
    try:
        return await applications.get_application(session, ctx, app_id)
    except NotFoundError as exc:
        raise PageError(404, exc.message) from None


async def _submit(request: Request, ctx: AuthContext, app: Application | None, model: type[Params],
                  save: Callable[[Params], Awaitable[object]]) -> Response:
    """Validate the posted form as the API would and save it, or show it again with the errors."""
    values = submitted(await request.form(), with_subaccount=ctx.sub_auth_id is None)
    params, errors = validate(model, values)
    if params is not None:
        try:
            await save(params)
        except PlivoError as exc:
            errors = placed(exc)
        else:
            return RedirectResponse(BASE, status_code=303)
    return _form(request, ctx, app, values, errors, status_code=400)


@router.get("", response_class=HTMLResponse)
async def application_list(request: Request, ctx: Console, session: Session) -> Response:
    params, errors = validate(ApplicationList, dict(request.query_params))
    if params is None:
        raise PageError(400, "; ".join(errors.values()))
    assert isinstance(params, ApplicationList)
    apps, total = await applications.list_applications(session, ctx, params)
    return render(request, "applications/list.html", {
        "nav": "applications", "who": ctx.account, "apps": apps, "page": page_of(BASE, params, total),
    })


@router.get("/new", response_class=HTMLResponse)
async def new_application(request: Request, ctx: Console) -> Response:
    return _form(request, ctx, None, values_of(None), {})


@router.post("/new", response_class=HTMLResponse)
async def create_application(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    async def save(params: Params) -> object:
        assert isinstance(params, ApplicationCreate)
        return await applications.create_application(session, clock, ctx, params)

    return await _submit(request, ctx, None, ApplicationCreate, save)


@router.get("/{app_id}", response_class=HTMLResponse)
async def edit_application(request: Request, ctx: Console, session: Session, app_id: str) -> Response:
    app = await _visible(session, ctx, app_id)
    return _form(request, ctx, app, values_of(app), {})


@router.post("/{app_id}", response_class=HTMLResponse)
async def update_application(request: Request, ctx: Console, session: Session, app_id: str) -> Response:
    app = await _visible(session, ctx, app_id)

    async def save(params: Params) -> object:
        assert isinstance(params, ApplicationUpdate)
        return await applications.update_application(session, ctx, app_id, params)

    return await _submit(request, ctx, app, ApplicationUpdate, save)


@router.post("/{app_id}/delete")
async def delete_application(request: Request, ctx: Console, session: Session, app_id: str) -> Response:
    await _visible(session, ctx, app_id)
    form = await request.form()
    params = ApplicationDelete(cascade=bool(form.get("cascade")))
    try:
        await applications.delete_application(session, ctx, app_id, params)
    except NotFoundError as exc:
        raise PageError(404, exc.message) from None
    return RedirectResponse(BASE, status_code=303)
