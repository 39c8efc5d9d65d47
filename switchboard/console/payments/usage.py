"""Payments > Usage: what the account spent in a period, by service, country and direction, and
per subaccount — the report of ``GET Usage/`` (``billing.usage``), so the numbers are the API's."""

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from switchboard.billing import usage
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.errors import ValidationError
from switchboard.core.http import ClockDep, Session

router = APIRouter(include_in_schema=False)
PAGE = "/payments/usage"


@router.get(PAGE, response_class=HTMLResponse)
async def usage_page(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    main = await usage.reading_account(session, ctx.main_auth_id)
    today = usage.today(main, clock.now())
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    start_text = request.query_params.get("start_date") or this_month.isoformat()
    end_text = request.query_params.get("end_date") or today.isoformat()
    context = {
        "nav": "usage", "who": ctx.account, "start_date": start_text, "end_date": end_text, "errors": {}, "report": None,
        "periods": [("This month", this_month.isoformat(), today.isoformat()),
                    ("Last month", last_month.isoformat(), usage.month_end(last_month).isoformat())],
    }
    try:
        start, end = usage.period(main, clock.now(), start_text, end_text)
    except ValidationError as exc:
        context["errors"] = {exc.message.split(":", 1)[0]: exc.message}
        return render(request, "payments/usage.html", context, status_code=400)
    report = await usage.usage(session, main, start, end, ctx.sub_auth_id)
    return render(request, "payments/usage.html", {**context, "report": report.json()})
