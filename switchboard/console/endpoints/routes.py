"""Voice > Endpoints: list, create, edit, delete through the ``Endpoint/`` service, with the SIP URI
and the endpoint's live registrations (contact, user agent, transport, expiry) from the registrar's
bindings, refreshed by htmx while the page is open."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts.applications import application_choices
from switchboard.accounts.auth import AuthContext
from switchboard.console.forms import Field, given, placed, submitted, validate
from switchboard.console.pages import PageError, page_of, shown
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import PlivoError
from switchboard.core.http import ClockDep, Session
from switchboard.core.params import Params
from switchboard.endpoints import service
from switchboard.endpoints.bindings import SipBinding, live_bindings
from switchboard.endpoints.models import Endpoint
from switchboard.endpoints.routes import endpoint_json
from switchboard.endpoints.schemas import EndpointCreate, EndpointList, EndpointUpdate

router = APIRouter(prefix="/voice/endpoints", include_in_schema=False)
BASE = "/voice/endpoints"

USERNAME = Field("username", "Username", "text",
                 "Letters and digits, starting with a letter; a 12-digit suffix is added to make it unique.")
PASSWORD = Field("password", "Password", "password", "At least 5 characters.")
NEW_PASSWORD = Field("password", "Password", "password", "Leave empty to keep the current password.")
ALIAS = Field("alias", "Alias", "text", "A name for the endpoint, such as the person or phone using it.")
APPLICATION = Field("app_id", "Application", "select",
                    "The XML application that answers calls made from this endpoint.")
CREATE_FIELDS = (USERNAME, PASSWORD, ALIAS, APPLICATION)
UPDATE_FIELDS = (NEW_PASSWORD, ALIAS, APPLICATION)


def _sip_domain(request: Request) -> str:
    return request.app.state.settings.resolved_sip_domain


def registration(binding: SipBinding) -> dict[str, Any]:
    """One live registration as the page shows it; ``source`` is ``TRANSPORT:address:port``."""
    transport, _, address = binding.source.partition(":")
    return {"contact": binding.contact, "user_agent": binding.user_agent or "", "transport": transport.upper(),
            "address": address, "expires": binding.expires.strftime("%Y-%m-%d %H:%M:%S UTC")}


async def _form(request: Request, ctx: AuthContext, session: Session, clock: ClockDep | None, endpoint: Endpoint | None,
                values: dict[str, Any], errors: dict[str, str], status_code: int = 200) -> Response:
    apps = await application_choices(session, ctx)
    registrations = []
    if endpoint is not None and clock is not None:
        registrations = [registration(b) for b in await live_bindings(session, endpoint.endpoint_id, clock.now())]
    return render(request, "endpoints/form.html", {
        "nav": "endpoints", "who": ctx.account, "fields": CREATE_FIELDS if endpoint is None else UPDATE_FIELDS,
        "endpoint": endpoint_json(endpoint, _sip_domain(request)) if endpoint is not None else None,
        "values": values, "errors": errors, "registrations": registrations,
        "applications": [("", "Default endpoint app, if any" if endpoint is None else "No application")]
        + [(app.app_id, f"{app.app_name} ({app.app_id})") for app in apps],
        "app_names": {app.app_id: app.app_name for app in apps}, "current_app": endpoint.app_id if endpoint else None,
        "created": request.query_params.get("created") == "1",
    }, status_code=status_code)


async def _visible(session: Session, ctx: AuthContext, endpoint_id: str) -> Endpoint:
    return await shown(service.get_endpoint(session, ctx, endpoint_id))


def _values_of(endpoint: Endpoint) -> dict[str, Any]:
    return {"alias": endpoint.alias, "app_id": endpoint.app_id or ""}


@router.get("", response_class=HTMLResponse)
async def endpoint_list(request: Request, ctx: Console, session: Session) -> Response:
    params, errors = validate(EndpointList, given(dict(request.query_params)))
    if params is None:
        raise PageError(400, "; ".join(errors.values()))
    assert isinstance(params, EndpointList)
    rows, total = await service.list_endpoints(session, ctx, params)
    apps = {app.app_id: app.app_name for app in await application_choices(session, ctx)}
    return render(request, "endpoints/list.html", {
        "nav": "endpoints", "who": ctx.account, "apps": apps, "page": page_of(BASE, params, total),
        "endpoints": [(row, endpoint_json(row, _sip_domain(request))) for row in rows],
        "deleted": request.query_params.get("deleted", ""),
    })


@router.get("/new", response_class=HTMLResponse)
async def new_endpoint(request: Request, ctx: Console, session: Session) -> Response:
    return await _form(request, ctx, session, None, None, {}, {})


async def _save(request: Request, ctx: AuthContext, session: Session, model: type[Params], fields: tuple[Field, ...],
                save: Any) -> tuple[Any, dict[str, Any], dict[str, str]]:
    """The posted form validated as the API would and passed to ``save``; or the errors."""
    values = submitted(await request.form(), fields)
    wanted = {**values, "password": values["password"] or None}  # an empty password is not a change
    params, errors = validate(model, wanted)
    if params is not None:
        try:
            return await save(params), values, {}
        except PlivoError as exc:
            await session.rollback()
            errors = placed(exc, [field.name for field in fields])
    return None, values, errors


@router.post("/new", response_class=HTMLResponse)
async def create_endpoint(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    async def save(params: EndpointCreate) -> Endpoint:
        return await service.create_endpoint(session, clock, ctx, params, _sip_domain(request))

    endpoint, values, errors = await _save(request, ctx, session, EndpointCreate, CREATE_FIELDS, save)
    if endpoint is not None:
        return RedirectResponse(f"{BASE}/{endpoint.endpoint_id}?created=1", status_code=303)
    return await _form(request, ctx, session, None, None, values, errors, status_code=400)


@router.get("/{endpoint_id}", response_class=HTMLResponse)
async def edit_endpoint(request: Request, ctx: Console, session: Session, clock: ClockDep, endpoint_id: str) -> Response:
    endpoint = await _visible(session, ctx, endpoint_id)
    return await _form(request, ctx, session, clock, endpoint, _values_of(endpoint), {})


@router.post("/{endpoint_id}", response_class=HTMLResponse)
async def update_endpoint(request: Request, ctx: Console, session: Session, clock: ClockDep, endpoint_id: str) -> Response:
    await _visible(session, ctx, endpoint_id)

    async def save(params: EndpointUpdate) -> Endpoint:
        return await service.update_endpoint(session, ctx, endpoint_id, params, _sip_domain(request))

    endpoint, values, errors = await _save(request, ctx, session, EndpointUpdate, UPDATE_FIELDS, save)
    if endpoint is not None:
        return RedirectResponse(BASE, status_code=303)
    return await _form(request, ctx, session, clock, await _visible(session, ctx, endpoint_id), values, errors,
                       status_code=400)


@router.post("/{endpoint_id}/delete")
async def delete_endpoint(ctx: Console, session: Session, endpoint_id: str) -> Response:
    endpoint = await _visible(session, ctx, endpoint_id)
    await service.delete_endpoint(session, ctx, endpoint_id)
    return RedirectResponse(f"{BASE}?deleted={endpoint.username}", status_code=303)
