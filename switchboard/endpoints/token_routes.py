"""HTTP route: ``JWT/Token/``, access tokens for browser phones (see ``tokens.py``)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, StringConstraints

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.accounts.models import Account
from switchboard.core.errors import ValidationError
from switchboard.core.http import API_PREFIX, ClockDep, Session
from switchboard.core.params import Params, body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.endpoints import tokens
from switchboard.numbers.service import check_application

router = APIRouter(prefix=API_PREFIX, tags=["JWT"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]
Subject = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.\-~]{1,64}$")]
"""The identity becomes the SIP user ``<sub>_<iss>``: characters a SIP user part carries as they are."""
UnixTime = Annotated[int, Field(ge=0, le=2**40)]


class VoiceGrants(BaseModel):
    incoming_allow: bool = False
    outgoing_allow: bool = False



class Permissions(BaseModel):
    voice: VoiceGrants = VoiceGrants()


class TokenCreate(Params):
    iss: str = Field(description="The account's Auth ID (or one of its subaccounts').")
    sub: Subject | None = Field(None, description="The identity; required with the incoming grant.")
    nbf: UnixTime | None = Field(None, description="Valid from (Unix seconds, number or string); default now.")
    exp: UnixTime | None = Field(None, description="Valid until (Unix seconds); default nbf + 24 h, at most that.")
    per: Permissions | None = Field(None, description='{"voice": {"incoming_allow": bool, "outgoing_allow": bool}}')
    incoming_allow: bool | None = Field(None, description="Also accepted beside per (the Go SDK sends both).")
    outgoing_allow: bool | None = None
    app: str | None = Field(None, description="Application whose answer URL runs the browser's outgoing calls.")


class TokenCreated(BaseModel):
    api_id: str
    token: str


async def _check_issuer(session: Session, ctx: AuthContext, iss: str) -> None:
    if iss == ctx.account.auth_id:
        return
    sub = await session.get(Account, iss) if ctx.account.is_main else None
    if sub is None or sub.parent_auth_id != ctx.account.auth_id:
        raise ValidationError(f"iss: {iss} is not this account's Auth ID")


@router.post("/JWT/Token/", response_model=TokenCreated, summary="Create an access token",
             openapi_extra=openapi_body(TokenCreate))
async def create_token(request: Request, ctx: Ctx, session: Session, clock: ClockDep,
                       params: Annotated[TokenCreate, Depends(body(TokenCreate))]) -> Response:
    await _check_issuer(session, ctx, params.iss)
    grants = params.per.voice if params.per else VoiceGrants()
    incoming = grants.incoming_allow or bool(params.incoming_allow)
    outgoing = grants.outgoing_allow or bool(params.outgoing_allow)
    if incoming and not params.sub:
        raise ValidationError("sub is required when incoming_allow is true")
    now = int(clock.now().timestamp())
    nbf = params.nbf if params.nbf is not None else now
    exp = params.exp if params.exp is not None else nbf + tokens.MAX_VALIDITY
    if exp <= nbf:
        raise ValidationError("exp must be after nbf")
    if exp - nbf > tokens.MAX_VALIDITY:
        raise ValidationError(f"exp: a token is valid for at most {tokens.MAX_VALIDITY} seconds (24 hours) after nbf")
    if exp <= now:
        raise ValidationError("exp is in the past")
    if params.app:
        await check_application(session, ctx, params.app, ctx.sub_auth_id)
    token = tokens.issue(request.app.state.access_token_key, iss=params.iss, sub=params.sub or "", nbf=nbf, exp=exp,
                         incoming=incoming, outgoing=outgoing, app=params.app or "")
    return plivo_response({"token": token})
