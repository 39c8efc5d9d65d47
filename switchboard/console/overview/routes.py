"""Overview: the account's credentials, balance and live calls."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from switchboard.accounts.auth import AuthContext
from switchboard.billing.service import billing_state, money
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.console.overview.activity import chart, daily_activity
from switchboard.core.http import ClockDep, Session
from switchboard.voice import service as voice_service
from switchboard.webhooks import debuglog
from switchboard.webhooks.schemas import WebhookLogList

RECENT_ERRORS = 5

router = APIRouter(include_in_schema=False)


def live_call_count(request: Request, ctx: AuthContext) -> int:
    """Calls ringing or in progress now, as the API's ``GET Call/?status=live`` lists them."""
    return len(voice_service.live_now(request.app.state.voice, ctx))


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    _mode, cash_credits = await billing_state(session, ctx.account)
    errors, _ = await debuglog.list_attempts(session, ctx, WebhookLogList(errors=True, limit=RECENT_ERRORS))
    return render(request, "overview/overview.html", {
        "nav": "overview", "who": ctx.account, "cash_credits": money(cash_credits),
        "live_calls": live_call_count(request, ctx), "chart": chart(await daily_activity(session, ctx, clock.now())),
        "errors": errors,
    })


@router.get("/overview/live-calls", response_class=HTMLResponse)
async def live_calls(request: Request, ctx: Console) -> Response:
    """The live-call count alone, polled by the overview page."""
    return render(request, "overview/live_calls.html", {"live_calls": live_call_count(request, ctx)})
