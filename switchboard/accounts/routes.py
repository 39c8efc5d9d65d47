"""HTTP routes: ``Account/`` and ``Subaccount/``."""

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.accounts import service
from switchboard.accounts.auth import AccountRecord, AuthContext, authenticate
from switchboard.accounts.models import Account
from switchboard.accounts.schemas import (
    AccountObject,
    AccountUpdate,
    SubaccountCreate,
    SubaccountCreated,
    SubaccountDelete,
    SubaccountGet,
    SubaccountObject,
    SubaccountUpdate,
)
from switchboard.billing.service import billing_state, money
from switchboard.core.clock import format_date
from switchboard.core.http import API_PREFIX, ClockDep, Session, account_uri, resource_uri
from switchboard.core.pagination import ListResponse, PageParams, meta
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, Message, no_content, plivo_response

router = APIRouter(prefix=API_PREFIX, tags=["Account"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


async def main_account(ctx: Ctx) -> AuthContext:
    service.require_main(ctx.account)
    return ctx


MainCtx = Annotated[AuthContext, Depends(main_account)]


def account_json(account: Account | AccountRecord, billing_mode: str, cash_credits: Decimal) -> dict[str, Any]:
    """The account object; ``billing_mode`` and ``cash_credits`` are its main account's (see billing)."""
    return {
        "account_type": account.account_type,
        "address": account.address,
        "auth_id": account.auth_id,
        "auto_recharge": account.auto_recharge,
        "billing_mode": billing_mode,
        "cash_credits": money(cash_credits),
        "city": account.city,
        "name": account.name,
        "resource_uri": account_uri(account.auth_id),
        "state": account.state,
        "timezone": account.timezone,
    }


def subaccount_json(sub: Account) -> dict[str, Any]:
    assert sub.parent_auth_id is not None
    return {
        "account": account_uri(sub.parent_auth_id),
        "auth_id": sub.auth_id,
        "auth_token": sub.auth_token,
        "created": format_date(sub.created),
        "enabled": sub.enabled,
        "modified": format_date(sub.modified),
        "name": sub.name,
        "new_auth_token": sub.auth_token,
        "resource_uri": resource_uri(sub.parent_auth_id, "Subaccount", sub.auth_id),
    }


@router.get("/", response_model=AccountObject, summary="Get account details")
async def get_account(ctx: Ctx, session: Session) -> Response:
    return plivo_response(account_json(ctx.account, *await billing_state(session, ctx.account)))


@router.post(
    "/", status_code=202, response_model=Message, summary="Update account details", openapi_extra=openapi_body(AccountUpdate)
)
async def update_account(
    request: Request, ctx: Ctx, session: Session, clock: ClockDep, changes: Annotated[AccountUpdate, Depends(body(AccountUpdate))]
) -> Response:
    await service.update_account(session, clock, ctx.account.auth_id, changes)
    request.app.state.credentials.invalidate(ctx.account.auth_id)
    return plivo_response({"message": "changed"}, 202)


@router.post(
    "/Subaccount/",
    status_code=201,
    response_model=SubaccountCreated,
    tags=["Subaccount"],
    summary="Create a subaccount",
    openapi_extra=openapi_body(SubaccountCreate),
)
async def create_subaccount(
    ctx: MainCtx, session: Session, clock: ClockDep, params: Annotated[SubaccountCreate, Depends(body(SubaccountCreate))]
) -> Response:
    sub = await service.create_subaccount(session, clock, ctx.account.auth_id, params)
    return plivo_response({"auth_id": sub.auth_id, "auth_token": sub.auth_token, "message": "created"}, 201)


@router.get("/Subaccount/", response_model=ListResponse[SubaccountObject], tags=["Subaccount"], summary="List subaccounts")
async def list_subaccounts(request: Request, ctx: MainCtx, session: Session, page: Annotated[PageParams, Query()]) -> Response:
    subs, total = await service.list_subaccounts(session, ctx.account.auth_id, page)
    return plivo_response(
        {
            "meta": meta(request.url.path, {}, page.limit, page.offset, total),
            "objects": [subaccount_json(sub) for sub in subs],
        }
    )


@router.get("/Subaccount/{sub_auth_id}/", response_model=SubaccountGet, tags=["Subaccount"], summary="Get a subaccount")
async def get_subaccount(ctx: MainCtx, session: Session, sub_auth_id: str) -> Response:
    sub = await service.get_subaccount(session, ctx.account.auth_id, sub_auth_id)
    return plivo_response(subaccount_json(sub))


@router.post(
    "/Subaccount/{sub_auth_id}/",
    status_code=202,
    response_model=Message,
    tags=["Subaccount"],
    summary="Update a subaccount",
    openapi_extra=openapi_body(SubaccountUpdate),
)
async def update_subaccount(
    request: Request,
    ctx: MainCtx,
    session: Session,
    clock: ClockDep,
    sub_auth_id: str,
    changes: Annotated[SubaccountUpdate, Depends(body(SubaccountUpdate))],
) -> Response:
    await service.update_subaccount(session, clock, ctx.account.auth_id, sub_auth_id, changes)
    request.app.state.credentials.invalidate(sub_auth_id)
    return plivo_response({"message": "changed"}, 202)


@router.delete(
    "/Subaccount/{sub_auth_id}/",
    status_code=204,
    response_class=Response,
    tags=["Subaccount"],
    summary="Delete a subaccount",
    openapi_extra=openapi_body(SubaccountDelete, required=False),
)
async def delete_subaccount(
    request: Request,
    ctx: MainCtx,
    session: Session,
    sub_auth_id: str,
    params: Annotated[SubaccountDelete, Depends(body(SubaccountDelete))],
) -> Response:
    await service.delete_subaccount(session, ctx.account.auth_id, sub_auth_id, cascade=params.cascade)
    request.app.state.credentials.invalidate(sub_auth_id)
    return no_content()
