"""HTTP routes: ``Application/``."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.accounts import applications
from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.accounts.models import Application
from switchboard.accounts.schemas import (
    ApplicationCreate,
    ApplicationCreated,
    ApplicationDelete,
    ApplicationGet,
    ApplicationList,
    ApplicationObject,
    ApplicationUpdate,
)
from switchboard.core.http import API_PREFIX, ClockDep, Session, resource_uri
from switchboard.core.pagination import ListResponse, meta
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, Message, no_content, plivo_response

router = APIRouter(prefix=API_PREFIX, tags=["Application"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


def application_json(app: Application, sip_domain: str) -> dict[str, Any]:
    owner = app.sub_account_id or app.account_id
    return {
        "answer_method": app.answer_method,
        "answer_url": app.answer_url,
        "app_id": app.app_id,
        "app_name": app.app_name,
        "application_type": "xml",  # Switchboard runs XML applications only (Plivo's other kind is "phlo")
        "default_app": app.default_number_app,
        "default_endpoint_app": app.default_endpoint_app,
        "enabled": app.enabled,
        "fallback_answer_url": app.fallback_answer_url,
        "fallback_method": app.fallback_method,
        "hangup_method": app.hangup_method,
        "hangup_url": app.hangup_url,
        "log_incoming_message": app.log_incoming_messages,  # the name the Node SDK reads
        "log_incoming_messages": app.log_incoming_messages,  # the name Plivo's docs and the Go SDK use
        "message_method": app.message_method,
        "message_url": app.message_url,
        "public_uri": app.public_uri,
        "resource_uri": resource_uri(owner, "Application", app.app_id),
        "sip_uri": f"sip:{app.app_id}@{sip_domain}",
        "sub_account": resource_uri(app.account_id, "Subaccount", app.sub_account_id) if app.sub_account_id else None,
    }


def _sip_domain(request: Request) -> str:
    return request.app.state.settings.resolved_sip_domain


@router.post(
    "/Application/",
    status_code=201,
    response_model=ApplicationCreated,
    summary="Create an application",
    openapi_extra=openapi_body(ApplicationCreate),
)
async def create_application(
    ctx: Ctx, session: Session, clock: ClockDep, params: Annotated[ApplicationCreate, Depends(body(ApplicationCreate))]
) -> Response:
    app = await applications.create_application(session, clock, ctx, params)
    return plivo_response({"app_id": app.app_id, "message": "created"}, 201)


@router.get("/Application/", response_model=ListResponse[ApplicationObject], summary="List applications")
async def list_applications(
    request: Request, ctx: Ctx, session: Session, params: Annotated[ApplicationList, Query()]
) -> Response:
    apps, total = await applications.list_applications(session, ctx, params)
    filters = params.model_dump(include={"subaccount", "app_name"}, exclude_none=True)
    sip_domain = _sip_domain(request)
    return plivo_response(
        {
            "meta": meta(request.url.path, filters, params.limit, params.offset, total),
            "objects": [application_json(app, sip_domain) for app in apps],
        }
    )


@router.get("/Application/{app_id}/", response_model=ApplicationGet, summary="Get an application")
async def get_application(request: Request, ctx: Ctx, session: Session, app_id: str) -> Response:
    app = await applications.get_application(session, ctx, app_id)
    return plivo_response(application_json(app, _sip_domain(request)))


@router.post(
    "/Application/{app_id}/",
    status_code=202,
    response_model=Message,
    summary="Update an application",
    openapi_extra=openapi_body(ApplicationUpdate, required=False),
)
async def update_application(
    ctx: Ctx, session: Session, app_id: str, changes: Annotated[ApplicationUpdate, Depends(body(ApplicationUpdate))]
) -> Response:
    await applications.update_application(session, ctx, app_id, changes)
    return plivo_response({"message": "changed"}, 202)


@router.delete(
    "/Application/{app_id}/",
    status_code=204,
    response_class=Response,
    summary="Delete an application",
    openapi_extra=openapi_body(ApplicationDelete, required=False),
)
async def delete_application(
    ctx: Ctx, session: Session, app_id: str, params: Annotated[ApplicationDelete, Depends(body(ApplicationDelete))]
) -> Response:
    await applications.delete_application(session, ctx, app_id, params)
    return no_content()
