"""HTTP routes: ``Endpoint/``."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.http import API_PREFIX, ClockDep, Session, resource_uri
from switchboard.core.pagination import meta
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, Message, no_content, plivo_response
from switchboard.endpoints import service
from switchboard.endpoints.models import Endpoint
from switchboard.endpoints.schemas import (
    EndpointCreate,
    EndpointCreated,
    EndpointGet,
    EndpointList,
    EndpointListResponse,
    EndpointUpdate,
)

router = APIRouter(prefix=API_PREFIX, tags=["Endpoint"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


def _sip_domain(request: Request) -> str:
    return request.app.state.settings.resolved_sip_domain


def endpoint_json(endpoint: Endpoint, sip_domain: str) -> dict[str, Any]:
    """The endpoint as Plivo shows it; ``sip_registered`` is the string "true"/"false", and the
    registration fields are null while the endpoint is not registered."""
    owner = endpoint.sub_account_id or endpoint.account_id
    return {
        "alias": endpoint.alias,
        "application": resource_uri(owner, "Application", endpoint.app_id) if endpoint.app_id else None,
        "endpoint_id": endpoint.endpoint_id,
        "resource_uri": resource_uri(owner, "Endpoint", endpoint.endpoint_id),
        "sip_contact": endpoint.sip_contact,
        "sip_expires": endpoint.sip_expires.strftime("%Y-%m-%d %H:%M:%S") if endpoint.sip_expires else None,
        "sip_registered": "true" if endpoint.sip_registered else "false",
        "sip_uri": f"sip:{endpoint.username}@{sip_domain}",
        "sip_user_agent": endpoint.sip_user_agent,
        "sub_account": resource_uri(endpoint.account_id, "Subaccount", endpoint.sub_account_id)
        if endpoint.sub_account_id
        else None,
        "username": endpoint.username,
    }


@router.post(
    "/Endpoint/",
    status_code=201,
    response_model=EndpointCreated,
    summary="Create an endpoint",
    openapi_extra=openapi_body(EndpointCreate),
)
async def create_endpoint(
    request: Request,
    ctx: Ctx,
    session: Session,
    clock: ClockDep,
    params: Annotated[EndpointCreate, Depends(body(EndpointCreate))],
) -> Response:
    endpoint = await service.create_endpoint(session, clock, ctx, params, _sip_domain(request))
    return plivo_response(
        {"alias": endpoint.alias, "endpoint_id": endpoint.endpoint_id, "message": "created", "username": endpoint.username}, 201
    )


@router.get("/Endpoint/", response_model=EndpointListResponse, summary="List endpoints")
async def list_endpoints(request: Request, ctx: Ctx, session: Session, params: Annotated[EndpointList, Query()]) -> Response:
    rows, total = await service.list_endpoints(session, ctx, params)
    domain = _sip_domain(request)
    return plivo_response(
        {
            "meta": meta(request.url.path, {}, params.limit, params.offset, total),
            "objects": [endpoint_json(row, domain) for row in rows],
        }
    )


@router.get("/Endpoint/{endpoint_id}/", response_model=EndpointGet, summary="Get an endpoint")
async def get_endpoint(request: Request, ctx: Ctx, session: Session, endpoint_id: str) -> Response:
    endpoint = await service.get_endpoint(session, ctx, endpoint_id)
    return plivo_response(endpoint_json(endpoint, _sip_domain(request)))


@router.post(
    "/Endpoint/{endpoint_id}/",
    status_code=202,
    response_model=Message,
    summary="Update an endpoint",
    openapi_extra=openapi_body(EndpointUpdate),
)
async def update_endpoint(
    request: Request,
    ctx: Ctx,
    session: Session,
    endpoint_id: str,
    changes: Annotated[EndpointUpdate, Depends(body(EndpointUpdate))],
) -> Response:
    await service.update_endpoint(session, ctx, endpoint_id, changes, _sip_domain(request))
    return plivo_response({"message": "changed"}, 202)


@router.delete("/Endpoint/{endpoint_id}/", status_code=204, response_class=Response, summary="Delete an endpoint")
async def delete_endpoint(ctx: Ctx, session: Session, endpoint_id: str) -> Response:
    await service.delete_endpoint(session, ctx, endpoint_id)
    return no_content()
