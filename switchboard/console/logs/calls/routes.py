"""Logs > Calls: the call records with the ``Call/`` list filters, and a call's page with its
fields, its timeline (every request Switchboard made for it) and its recordings."""

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.console.logs.listing import Filter, LogList, Statement, export, show
from switchboard.console.pages import shown
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.clock import format_time
from switchboard.core.http import ClockDep, Session
from switchboard.core.pagination import PageParams
from switchboard.voice import service
from switchboard.voice.causes import ANSWER_XML, API_REQUEST, CALLEE, CALLER, ERROR, PLIVO
from switchboard.voice.models import CallRecord
from switchboard.voice.recording import listing as recordings
from switchboard.voice.recording.schemas import RecordingList
from switchboard.voice.schemas import CallList
from switchboard.webhooks import debuglog

router = APIRouter(include_in_schema=False)
BASE = "/logs/calls"
_DURATION = "Bill Duration (seconds)"
_END = "End Time"

CALLS = LogList(
    path=BASE, nav="call_logs", title="Call Logs", model=CallList, rows="logs/calls/rows.html", csv_name="calls",
    filters=(
        Filter("call_direction", "Call Direction", "choice", ("inbound", "outbound")),
        Filter("from_number", "From Number"),
        Filter("to_number", "To Number"),
        Filter("bill_duration__gte", f"{_DURATION} at least", "number"),
        Filter("bill_duration__lte", f"{_DURATION} at most", "number"),
        Filter("end_time__gte", f"{_END} from", "time"),
        Filter("end_time__lte", f"{_END} until", "time"),
        Filter("hangup_cause_code", "Hangup Cause Code", "number", hint="e.g. 4000 Normal Hangup"),
        Filter("hangup_source", "Hangup Source", "choice", (CALLER, CALLEE, PLIVO, API_REQUEST, ANSWER_XML, ERROR)),
        Filter("parent_call_uuid", "Parent Call UUID"),
        Filter("subaccount", "Sub Account", hint="Auth ID of a subaccount"),
    ),
    csv_columns=(
        ("call_uuid", lambda row: row.call_uuid), ("call_direction", lambda row: row.direction),
        ("from_number", lambda row: row.from_number), ("to_number", lambda row: row.to_number),
        ("call_state", service.call_state), ("initiation_time", lambda row: format_time(row.initiation_time)),
        ("answer_time", lambda row: format_time(row.answer_time)), ("end_time", lambda row: format_time(row.end_time)),
        ("call_duration", lambda row: row.call_duration), ("bill_duration", lambda row: row.bill_duration),
        ("billed_duration", lambda row: row.billed_duration), ("total_amount", lambda row: row.total_amount),
        ("hangup_cause_code", lambda row: row.hangup_cause_code), ("hangup_cause_name", lambda row: row.hangup_cause_name),
        ("hangup_source", lambda row: row.hangup_source), ("parent_call_uuid", lambda row: row.parent_call_uuid),
        ("sub_account", lambda row: row.sub_account_id or ""),
    ),
)


def _statement(ctx: AuthContext) -> Statement:
    async def statement(session: AsyncSession, params: PageParams) -> Select[tuple[CallRecord]]:
        assert isinstance(params, CallList)
        return await service.records_statement(session, ctx, params)
    return statement


@router.get(BASE, response_class=HTMLResponse)
async def call_list(request: Request, ctx: Console, session: Session) -> Response:
    return await show(request, ctx, session, CALLS, _statement(ctx))


@router.get(BASE + ".csv")
async def call_csv(request: Request, ctx: Console) -> Response:
    return await export(request, ctx, CALLS, _statement(ctx))


@router.get(BASE + "/{call_uuid}", response_class=HTMLResponse)
async def call_page(request: Request, ctx: Console, session: Session, clock: ClockDep, call_uuid: str) -> Response:
    row = await shown(service.get_record(session, ctx, call_uuid))
    now: datetime = clock.now()
    found, _ = await recordings.list_recordings(session, ctx, RecordingList(call_uuid=call_uuid), now)
    return render(request, "logs/calls/call.html", {
        "nav": "call_logs", "who": ctx.account, "call": service.record_json(row), "row": row,
        "timeline": await debuglog.attempts_for(session, ctx, call_uuid), "params_of": debuglog.params_of,
        "recordings": found,
    })

