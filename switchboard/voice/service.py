"""The rules of ``Call/`` and ``Request/``: placing calls, reading call records, and finding the
live calls a request may act on."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.scope import visible
from switchboard.accounts.models import Account
from switchboard.core.clock import Clock, format_time
from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.http import resource_uri
from switchboard.core.ids import new_uuid
from switchboard.core.pagination import fetch_page
from switchboard.billing.rating import NoRate, outbound_call_tariff
from switchboard.pricing.table import VoiceTariff, format_rate
from switchboard.voice import causes
from switchboard.voice.call import CallOptions, CallUrls, LiveCall, stir
from switchboard.voice.dial import transfer_b_leg
from switchboard.voice.engine import VoiceEngine
from switchboard.voice.models import CallRecord
from switchboard.voice.schemas import CallCreate, CallList, CallTransfer

_OPS = {"": "__eq__", "gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}


def visible_live(engine: VoiceEngine, ctx: AuthContext) -> list[LiveCall]:
    return [call for call in engine.live.values() if is_mine(call, ctx)]


def live_now(engine: VoiceEngine, ctx: AuthContext) -> list[LiveCall]:
    """The calls ringing or in progress now that ``ctx`` may see, oldest first (``GET Call/?status=live``)."""
    calls = [call for call in visible_live(engine, ctx) if call.status in ("ringing", "in-progress")]
    return sorted(calls, key=lambda call: call.initiation_time)


def is_mine(call: LiveCall, ctx: AuthContext) -> bool:
    return call.account_id == ctx.main_auth_id and (ctx.sub_auth_id is None or call.sub_account_id == ctx.sub_auth_id)


def live_call(engine: VoiceEngine, ctx: AuthContext, call_uuid: str) -> LiveCall:
    call = engine.live.get(call_uuid)
    if call is None or not is_mine(call, ctx):
        raise NotFoundError(f"call {call_uuid} is not in progress (it ended, or never existed)")
    return call


async def hang_up(engine: VoiceEngine, ctx: AuthContext, call_uuid: str) -> None:
    """``DELETE Call/{uuid}/``: end a live call, Normal Hangup (or Canceled before it was
    answered), hangup source ``API Request``."""
    call = live_call(engine, ctx, call_uuid)
    await engine.finish(call, causes.NORMAL_HANGUP if call.answered else causes.CANCELED, causes.API_REQUEST)


def check_transfer(params: CallTransfer) -> None:
    """The URL of each leg ``legs`` names is given."""
    for leg, url in (("aleg", params.aleg_url), ("bleg", params.bleg_url)):
        if params.legs in (leg, "both") and not url:
            raise ValidationError(f"{leg}_url is required when legs is {params.legs}")


def transfer(engine: VoiceEngine, ctx: AuthContext, call_uuid: str, params: CallTransfer) -> None:
    """``POST Call/{uuid}/``: send the A-leg, the B-leg ``<Dial>`` bridged it to, or both to new
    XML (``aleg_url``/``bleg_url``). Only an answered call is transferred."""
    check_transfer(params)
    call = live_call(engine, ctx, call_uuid)
    bridge = call.dial
    if params.legs != "aleg" and bridge is None:
        raise ValidationError(f"legs: call {call_uuid} has no B-leg (it is not bridged by <Dial>)")
    a_leg = bridge.a if bridge is not None else call
    if not a_leg.answered or a_leg.leg is None:
        raise ValidationError(f"call {call_uuid} is not answered yet; only answered calls can be transferred")
    if params.legs != "aleg":
        transfer_b_leg(engine, bridge, params.bleg_url, params.bleg_method)
    if params.legs != "bleg":
        engine.transfer(a_leg, params.aleg_url, params.aleg_method)


async def place_calls(session: AsyncSession, engine: VoiceEngine, clock: Clock, ctx: AuthContext,
                      params: CallCreate) -> list[LiveCall]:
    if params.parent_call_uuid and params.error_if_parent_not_found:
        parent = engine.live.get(params.parent_call_uuid)
        if parent is None or not is_mine(parent, ctx):
            raise ValidationError(f"parent_call_uuid: call {params.parent_call_uuid} not found")
    if params.parent_call_uuid and len(params.destinations) > 1:
        raise ValidationError("parent_call_uuid: only for a single destination")
    urls = CallUrls(
        answer_url=params.answer_url, answer_method=params.answer_method, fallback_url=params.fallback_url,
        fallback_method=params.fallback_method, hangup_url=params.hangup_url, hangup_method=params.hangup_method,
        ring_url=params.ring_url, ring_method=params.ring_method, machine_detection_url=params.machine_detection_url,
        machine_detection_method=params.machine_detection_method,
    )
    options = CallOptions(
        send_digits=params.send_digits, send_on_preanswer=params.send_on_preanswer, time_limit=params.time_limit,
        hangup_on_ring=params.hangup_on_ring, ring_timeout=params.ring_timeout,
        machine_detection=params.machine_detection, machine_detection_time=params.machine_detection_time,
        machine_detection_speech_threshold=params.machine_detection_speech_threshold,
        machine_detection_initial_silence=params.machine_detection_initial_silence,
        machine_detection_maximum_words=params.machine_detection_maximum_words, sip_headers=params.headers,
    )
    calls = []
    now = clock.now()
    for destination in params.destinations:
        to = destination if destination.startswith("sip:") else destination.lstrip("+")
        try:
            tariff = VoiceTariff(Decimal("0")) if to.startswith("sip:") else outbound_call_tariff(to)
        except NoRate:
            raise ValidationError(f"to: no route to {destination} (no rate for its destination prefix)") from None
        call_uuid = new_uuid()
        calls.append(LiveCall(call_uuid, call_uuid, ctx.main_auth_id, ctx.sub_auth_id, "outbound", params.from_, to,
                              params.caller_name, urls, options, clock, now, tariff,
                              parent_call_uuid=params.parent_call_uuid))
    await engine.originate(calls)
    return calls


async def list_records(session: AsyncSession, ctx: AuthContext, params: CallList) -> tuple[list[CallRecord], int]:
    return await fetch_page(session, await records_statement(session, ctx, params), params)


async def records_statement(session: AsyncSession, ctx: AuthContext, params: CallList) -> Select[tuple[CallRecord]]:
    """The ended calls ``params`` select (the ``Call/`` list filters), newest first."""
    statement = visible(ctx, CallRecord).where(CallRecord.end_time.is_not(None))
    if params.subaccount:
        if ctx.sub_auth_id is not None and params.subaccount != ctx.sub_auth_id:
            raise ValidationError("subaccount: a subaccount can only list its own calls")
        sub = await session.get(Account, params.subaccount) if len(params.subaccount) <= 20 else None
        if sub is None or sub.parent_auth_id != ctx.main_auth_id:
            raise ValidationError(f"subaccount: {params.subaccount} is not a subaccount of this account")
        statement = statement.where(CallRecord.sub_account_id == params.subaccount)
    for column, value in ((CallRecord.direction, params.call_direction), (CallRecord.from_number, params.from_number),
                          (CallRecord.to_number, params.to_number), (CallRecord.parent_call_uuid, params.parent_call_uuid),
                          (CallRecord.hangup_cause_code, params.hangup_cause_code),
                          (CallRecord.hangup_source, params.hangup_source)):
        if value is not None:
            statement = statement.where(column == value)
    for op, name in _OPS.items():
        bound = getattr(params, f"bill_duration__{op}" if op else "bill_duration")
        if bound is not None:
            statement = statement.where(getattr(CallRecord.bill_duration, name)(bound))
    for op, when in params.end_bounds().items():
        statement = statement.where(getattr(CallRecord.end_time, _OPS[op])(when))
    return statement.order_by(CallRecord.end_time.desc(), CallRecord.call_uuid)


async def get_record(session: AsyncSession, ctx: AuthContext, call_uuid: str) -> CallRecord:
    valid = len(call_uuid) <= 36 and "\x00" not in call_uuid
    row = await session.scalar(visible(ctx, CallRecord).where(CallRecord.call_uuid == call_uuid)) if valid else None
    if row is None:
        raise NotFoundError(f"call {call_uuid} not found")
    return row


def _time(value: datetime | None) -> str | None:
    return format_time(value)


def call_state(row: CallRecord) -> str:
    """Plivo's ``call_state``: ``ANSWER`` once answered; before or without an answer, the call's
    status in capitals (``RINGING``, ``BUSY``, ``NO-ANSWER``, ``FAILED``, ...)."""
    return "ANSWER" if row.answer_time is not None else row.status.upper()


def record_json(row: CallRecord) -> dict[str, Any]:
    """The CDR. Switchboard does no CNAM lookups on calls (``cnam_lookup`` "disabled") and has no
    voice network groups (Plivo's empty value ``""``)."""
    owner = row.sub_account_id or row.account_id
    verification, attestation = stir(row.stir_attestation)
    return {
        "answer_time": _time(row.answer_time),
        "bill_duration": row.bill_duration,
        "billed_duration": row.billed_duration,
        "call_direction": row.direction,
        "call_duration": row.call_duration,
        "call_uuid": row.call_uuid,
        "end_time": _time(row.end_time),
        "from_number": row.from_number,
        "initiation_time": _time(row.initiation_time),
        "parent_call_uuid": row.parent_call_uuid,
        "resource_uri": resource_uri(owner, "Call", row.call_uuid),
        "to_number": row.to_number,
        "total_amount": format_rate(row.total_amount),
        "total_rate": format_rate(row.total_rate),
        "hangup_cause_code": row.hangup_cause_code,
        "hangup_cause_name": row.hangup_cause_name,
        "hangup_source": row.hangup_source,
        "call_state": call_state(row),
        "conference_uuid": row.conference_uuid,
        "stir_verification": verification,
        "stir_attestation": attestation,
        "source_ip": row.source_ip,
        "cnam_lookup": "disabled",
        "voice_network_group": "",
    }
