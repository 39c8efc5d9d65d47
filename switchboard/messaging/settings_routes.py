"""``MessagingSettings/`` (a Switchboard extension, not in Plivo's API): the account's opt-out
handling and the texts of its automatic answers to STOP, START and HELP."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.errors import ForbiddenError
from switchboard.core.http import API_PREFIX, Session
from switchboard.core.params import Params, body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.messaging import send
from switchboard.messaging.models import MessagingSettings

router = APIRouter(prefix=API_PREFIX, tags=["MessagingSettings (Switchboard extension)"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]
AnswerText = Annotated[str, Field(max_length=1600)]


class SettingsUpdate(Params):
    opt_out: Literal["auto", "on", "off"] | None = Field(
        None, description="auto: STOP/START/HELP handled on US and CA numbers; on: every number; off: never.")
    help_text: AnswerText | None = Field(None, description="Answer to HELP/INFO; empty for the default.")
    stop_text: AnswerText | None = Field(None, description="Confirmation of an opt-out; empty for the default.")
    start_text: AnswerText | None = Field(None, description="Confirmation of an opt-in; empty for the default.")


class SettingsBody(BaseModel):
    api_id: str
    opt_out: str
    help_text: str
    stop_text: str
    start_text: str


def _main_only(ctx: AuthContext) -> str:
    if ctx.sub_auth_id is not None:
        raise ForbiddenError("messaging settings belong to the main account; use its credentials and auth_id")
    return ctx.main_auth_id


def _json(row: MessagingSettings | None) -> dict[str, str]:
    return {"opt_out": row.opt_out if row else "auto", "help_text": row.help_text if row else "",
            "stop_text": row.stop_text if row else "", "start_text": row.start_text if row else ""}


@router.get("/MessagingSettings/", response_model=SettingsBody, summary="The account's opt-out settings")
async def get_settings(ctx: Ctx, session: Session) -> Response:
    return plivo_response(_json(await session.get(MessagingSettings, _main_only(ctx))))


@router.post("/MessagingSettings/", status_code=202, response_model=SettingsBody, summary="Change the account's opt-out settings",
             openapi_extra=openapi_body(SettingsUpdate))
async def update_settings(ctx: Ctx, session: Session, changes: Annotated[SettingsUpdate, Depends(body(SettingsUpdate))]) -> Response:
    account_id = _main_only(ctx)
    row = await session.get(MessagingSettings, account_id)
    if row is None:
        row = MessagingSettings(account_id=account_id, opt_out="auto", help_text="", stop_text="", start_text="")
        session.add(row)
    for name, value in changes.model_dump(exclude_none=True).items():
        setattr(row, name, value)
    await session.commit()
    send.forget_opt_out_mode(account_id)
    return plivo_response(_json(row), 202)
