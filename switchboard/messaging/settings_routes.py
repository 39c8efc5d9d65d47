"""``MessagingSettings/`` (a Switchboard extension, not in Plivo's API): the account's opt-out
handling and the texts of its automatic answers to STOP, START and HELP (rules in
``messaging/settings.py``)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.http import API_PREFIX, Session
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.messaging import settings
from switchboard.messaging.settings import SettingsUpdate

router = APIRouter(prefix=API_PREFIX, tags=["MessagingSettings (Switchboard extension)"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


class SettingsBody(BaseModel):
    api_id: str
    opt_out: str
    help_text: str
    stop_text: str
    start_text: str


@router.get("/MessagingSettings/", response_model=SettingsBody, summary="The account's opt-out settings")
async def get_settings(ctx: Ctx, session: Session) -> Response:
    return plivo_response(await settings.get_settings(session, ctx))


@router.post("/MessagingSettings/", status_code=202, response_model=SettingsBody, summary="Change the account's opt-out settings",
             openapi_extra=openapi_body(SettingsUpdate))
async def update_settings(ctx: Ctx, session: Session, changes: Annotated[SettingsUpdate, Depends(body(SettingsUpdate))]) -> Response:
    return plivo_response(await settings.update_settings(session, ctx, changes), 202)
