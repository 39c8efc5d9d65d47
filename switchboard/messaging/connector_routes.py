"""``Connector/`` and ``MessagingRoute/`` (Switchboard extensions, not in Plivo's API): the
carrier connectors of a main account (SMPP binds, HTTP carriers) with their live state, and the
routes that choose a connector by destination prefix. Main account only. Credentials are
write-only: responses show ``********`` in their place, and they are never logged."""

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from switchboard.core.http import API_PREFIX, Session
from switchboard.core.params import Params, body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.network.models import ConnectorRow, MessagingRoute
from switchboard.network.registry import NAME, RESERVED, Carriers, ConnectorSpec, parse_settings, redacted

router = APIRouter(prefix=API_PREFIX, tags=["Connector (Switchboard extension)"], responses=ERROR_RESPONSES)
Ctx = Annotated[AuthContext, Depends(authenticate)]
ConnectorName = Annotated[str, Field(pattern=NAME.pattern, description="1-32 letters, digits, - or _.")]
Prefix = Annotated[str, Field(pattern=r"^[0-9]{0,16}$", description="E.164 digits the destination starts with; empty for all.")]


class ConnectorCreate(Params):
    name: ConnectorName
    kind: Literal["smpp", "twilio"]
    settings: dict[str, Any] = Field(description="The kind's settings (docs/messaging.md); credentials are write-only.")
    failover: Annotated[str, Field(max_length=32)] = ""
    enabled: bool = True


class ConnectorUpdate(Params):
    settings: dict[str, Any] | None = Field(None, description="Settings to change; the others are kept.")
    failover: Annotated[str, Field(max_length=32)] | None = None
    enabled: bool | None = None


class RouteCreate(Params):
    prefix: Prefix = ""
    connector: ConnectorName


class ConnectorBody(BaseModel):
    api_id: str
    name: str
    kind: str
    source: str
    failover: str
    enabled: bool = True
    settings: dict[str, Any]
    status: dict[str, Any]


def _main_only(ctx: AuthContext) -> str:
    if ctx.sub_auth_id is not None:
        raise ForbiddenError("connectors belong to the main account; use its credentials and auth_id")
    return ctx.main_auth_id


def _carriers(request: Request) -> Carriers:
    return request.app.state.messaging.carriers  # type: ignore[no-any-return]


def _describe(carriers: Carriers, row: ConnectorRow | None, name: str) -> dict[str, Any]:
    if name in carriers.specs:
        return carriers.describe(name) | {"enabled": True}
    assert row is not None
    return {"name": row.name, "kind": row.kind, "source": "api", "failover": row.failover, "enabled": row.enabled,
            "settings": redacted(row.kind, json.loads(row.settings)), "status": {"state": "disabled"}}


async def _own(session: Session, account_id: str, name: str) -> ConnectorRow:
    row = await session.get(ConnectorRow, name)
    if row is None or row.account_id != account_id:
        raise NotFoundError(f"no connector {name!r} of this account")
    return row


def _check(carriers: Carriers, account_id: str, kind: str, settings: dict[str, Any], failover: str, name: str) -> None:
    try:
        parse_settings(kind, settings)
    except ValueError as exc:
        raise ValidationError(f"settings: {exc}") from None
    if failover and (failover == name or failover not in carriers.usable_by(account_id)):
        raise ValidationError(f"failover: {failover!r} is not another connector this account can use")


@router.get("/Connector/", summary="The account's connectors and the node's, with their state")
async def list_connectors(ctx: Ctx, session: Session, request: Request) -> Response:
    account_id = _main_only(ctx)
    carriers = _carriers(request)
    rows = {row.name: row for row in (await session.scalars(select(ConnectorRow).where(ConnectorRow.account_id == account_id))).all()}
    names = sorted({*rows, *(name for name in carriers.usable_by(account_id) if name != "sim")})
    objects = [_describe(carriers, rows.get(name), name) for name in names]
    return plivo_response({"meta": {"count": len(objects)}, "objects": objects})


@router.post("/Connector/", status_code=201, response_model=ConnectorBody, summary="Add a connector",
             openapi_extra=openapi_body(ConnectorCreate))
async def create_connector(ctx: Ctx, session: Session, request: Request,
                           spec: Annotated[ConnectorCreate, Depends(body(ConnectorCreate))]) -> Response:
    account_id = _main_only(ctx)
    carriers = _carriers(request)
    if spec.name in RESERVED or spec.name in carriers.specs or await session.get(ConnectorRow, spec.name) is not None:
        raise ConflictError(f"a connector named {spec.name!r} exists")
    _check(carriers, account_id, spec.kind, spec.settings, spec.failover, spec.name)
    now = request.app.state.clock.now()
    row = ConnectorRow(name=spec.name, account_id=account_id, kind=spec.kind, settings=json.dumps(spec.settings),
                       failover=spec.failover, enabled=spec.enabled, created=now, updated=now)
    session.add(row)
    await session.commit()
    if spec.enabled:
        await carriers.replace(ConnectorSpec(spec.name, spec.kind, spec.settings, spec.failover, account_id))
    return plivo_response(_describe(carriers, row, spec.name), 201)


@router.get("/Connector/{name}/", response_model=ConnectorBody, summary="A connector and its live state")
async def get_connector(ctx: Ctx, session: Session, request: Request, name: str) -> Response:
    account_id = _main_only(ctx)
    carriers = _carriers(request)
    spec = carriers.specs.get(name)
    if spec is not None and spec.account_id is None:
        return plivo_response(_describe(carriers, None, name))
    return plivo_response(_describe(carriers, await _own(session, account_id, name), name))


@router.post("/Connector/{name}/", status_code=202, response_model=ConnectorBody, summary="Change a connector (it restarts)",
             openapi_extra=openapi_body(ConnectorUpdate))
async def update_connector(ctx: Ctx, session: Session, request: Request, name: str,
                           changes: Annotated[ConnectorUpdate, Depends(body(ConnectorUpdate))]) -> Response:
    account_id = _main_only(ctx)
    carriers = _carriers(request)
    row = await _own(session, account_id, name)
    settings = json.loads(row.settings) | (changes.settings or {})
    failover = row.failover if changes.failover is None else changes.failover
    _check(carriers, account_id, row.kind, settings, failover, name)
    row.settings, row.failover = json.dumps(settings), failover
    if changes.enabled is not None:
        row.enabled = changes.enabled
    row.updated = request.app.state.clock.now()
    await session.commit()
    if row.enabled:
        await carriers.replace(ConnectorSpec(name, row.kind, settings, failover, account_id))
    else:
        await carriers.remove(name)
    return plivo_response(_describe(carriers, row, name), 202)


@router.delete("/Connector/{name}/", status_code=204, summary="Remove a connector (its queued messages use the default)")
async def delete_connector(ctx: Ctx, session: Session, request: Request, name: str) -> Response:
    account_id = _main_only(ctx)
    row = await _own(session, account_id, name)
    await session.delete(row)
    await session.execute(delete(MessagingRoute).where(MessagingRoute.account_id == account_id, MessagingRoute.connector == name))
    await session.commit()
    carriers = _carriers(request)
    await carriers.remove(name)
    await carriers.load_routes(session)
    return Response(status_code=204)


def _route_json(route: MessagingRoute) -> dict[str, str]:
    return {"prefix": route.prefix, "connector": route.connector}


@router.get("/MessagingRoute/", summary="The account's routes (longest prefix wins; no match: the node's routes, then the default)")
async def list_routes(ctx: Ctx, session: Session, request: Request) -> Response:
    account_id = _main_only(ctx)
    routes = (await session.scalars(select(MessagingRoute).where(MessagingRoute.account_id == account_id)
                                    .order_by(MessagingRoute.prefix))).all()
    return plivo_response({"meta": {"count": len(routes)}, "objects": [_route_json(route) for route in routes],
                           "default": _carriers(request).connectors.default})


@router.post("/MessagingRoute/", status_code=201, summary="Route a destination prefix to a connector (replaces that prefix's route)",
             openapi_extra=openapi_body(RouteCreate))
async def create_route(ctx: Ctx, session: Session, request: Request,
                       spec: Annotated[RouteCreate, Depends(body(RouteCreate))]) -> Response:
    account_id = _main_only(ctx)
    carriers = _carriers(request)
    if spec.connector not in carriers.usable_by(account_id):
        raise ValidationError(f"connector: {spec.connector!r} is not a running connector this account can use")
    route = await session.get(MessagingRoute, (account_id, spec.prefix))
    if route is None:
        route = MessagingRoute(account_id=account_id, prefix=spec.prefix, connector=spec.connector, created=request.app.state.clock.now())
        session.add(route)
    route.connector = spec.connector
    await session.commit()
    await carriers.load_routes(session)
    return plivo_response(_route_json(route), 201)


@router.delete("/MessagingRoute/{prefix}/", status_code=204, summary="Remove the route of a prefix (`all` for the empty prefix)")
async def delete_route(ctx: Ctx, session: Session, request: Request, prefix: str) -> Response:
    account_id = _main_only(ctx)
    key = "" if prefix == "all" else prefix
    route = await session.get(MessagingRoute, (account_id, key))
    if route is None:
        raise NotFoundError(f"no route for prefix {prefix!r}")
    await session.delete(route)
    await session.commit()
    await _carriers(request).load_routes(session)
    return Response(status_code=204)
