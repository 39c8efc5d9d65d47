"""What a session may see of the simulated phones, and how a phone's log reads on the page.

The phone book is the whole network's (any account's calls and messages reach the same phones),
so the page shows an event only when it concerns the session's account: a call it can see (live,
or in its call records), a message it sent, a message a phone sent to one of its numbers."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.scope import visible
from switchboard.messaging.models import Message
from switchboard.network.sim.phones import PhoneBook, PhoneEvent
from switchboard.numbers.models import RentedNumber
from switchboard.voice import service as voice_service
from switchboard.voice.engine import VoiceEngine
from switchboard.voice.models import CallRecord
from switchboard.webhooks.models import WebhookAttempt

CHUNK = 500  # ids per IN (...) query


async def _known(session: AsyncSession, ctx: AuthContext, column: Any, model: Any, wanted: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), CHUNK):
        statement = visible(ctx, model).with_only_columns(column).where(column.in_(ordered[start:start + CHUNK]))
        found.update(await session.scalars(statement))
    return found


@dataclass
class Visibility:
    calls: set[str]
    messages: set[str]
    numbers: set[str]

    def shows(self, event: PhoneEvent) -> bool:
        detail = event.detail
        if "call_uuid" in detail:
            return detail["call_uuid"] in self.calls
        if event.kind == "sms":
            return detail.get("message_uuid") in self.messages
        if event.kind == "sms_sent":
            return detail.get("to") in self.numbers
        return False


async def visibility(session: AsyncSession, ctx: AuthContext, engine: VoiceEngine,
                     events: Iterable[PhoneEvent]) -> Visibility:
    calls, messages, numbers = set(), set(), set()
    for event in events:
        if "call_uuid" in event.detail:
            calls.add(event.detail["call_uuid"])
        elif event.kind == "sms":
            messages.add(event.detail.get("message_uuid", ""))
        elif event.kind == "sms_sent":
            numbers.add(event.detail.get("to", ""))
    live = {call.call_uuid for call in voice_service.visible_live(engine, ctx)}
    recorded = await _known(session, ctx, CallRecord.call_uuid, CallRecord, calls - live)
    return Visibility(calls=(calls & live) | recorded,
                      messages=await _known(session, ctx, Message.message_uuid, Message, messages),
                      numbers=await _known(session, ctx, RentedNumber.number, RentedNumber, numbers))


@dataclass(frozen=True)
class PhoneSummary:
    address: str
    last: datetime
    calls: int
    received: int


async def phone_summaries(session: AsyncSession, ctx: AuthContext, engine: VoiceEngine,
                          book: PhoneBook) -> list[PhoneSummary]:
    """The phones that have something this account may see, the most recently active first."""
    phones = book.phones()
    seen = await visibility(session, ctx, engine, (event for phone in phones for event in phone.log))
    summaries = []
    for phone in phones:
        shown = [event for event in phone.log if seen.shows(event)]
        if shown:
            calls = {event.detail["call_uuid"] for event in shown if "call_uuid" in event.detail}
            summaries.append(PhoneSummary(phone.address, shown[-1].at, len(calls),
                                          sum(1 for event in shown if event.kind == "sms")))
    return sorted(summaries, key=lambda summary: summary.last, reverse=True)


@dataclass(frozen=True)
class Line:
    """One line of a timeline: ``kind`` is ``heard`` (what reached the phone), ``did`` (what the
    phone did), ``state`` (the call's progress) or ``message``."""

    at: datetime
    kind: str
    text: str
    call_uuid: str = ""
    links: tuple[str, ...] = ()


def _seconds(value: Any) -> str:
    return f"{float(value):g} s"


def _call_state(detail: dict[str, Any]) -> str:
    state = detail.get("state", "")
    if detail.get("direction") == "outgoing":
        return f"Dialled {detail.get('to', '')} as {detail.get('from', '')}"
    if detail.get("direction") == "incoming":
        name = f" ({detail['caller_name']})" if detail.get("caller_name") else ""
        return f"Incoming call from {detail.get('from', '')}{name} to {detail.get('to', '')}"
    if state == "ended":
        return f"Call ended by the {detail.get('by', 'platform')} ({detail.get('reason', '')})"
    if state == "answered" and detail.get("answering_machine"):
        return "Answered (answering machine)"
    return {"ringing": "Ringing", "answered": "Answered", "missed": "Missed", "early-media": "Early media"}.get(state, state)


def _cut(detail: dict[str, Any]) -> str:
    return f" — cut short after {_seconds(detail['interrupted_after'])}" if "interrupted_after" in detail else ""


def describe(event: PhoneEvent) -> Line:
    """A phone-log event as a sentence; the text is shown escaped, as every string on the page."""
    d, kind = event.detail, event.kind
    call = d.get("call_uuid", "")
    if kind == "call":
        return Line(event.at, "state", _call_state(d), call)
    heard: dict[str, str] = {
        "heard_speech": f"Heard: “{d.get('text', '')}”" + _cut(d),
        "heard_audio": f"Heard audio {d.get('url', '')}" + (f" ({_seconds(d['seconds'])})" if "seconds" in d else "") + _cut(d),
        "heard_silence": f"Heard silence ({_seconds(d.get('seconds', 0))})",
        "heard_beep": f"Heard a beep ({d.get('frequency', '')} Hz)",
        "received_digits": f"Heard tones: {d.get('digits', '')}",
        "heard_voice": f"Heard {d.get('from', '')} say: “{d.get('text', '')}”",
        "heard_digits": f"Heard {d.get('from', '')} press {d.get('digits', '')}",
    }
    if kind in heard:
        return Line(event.at, "heard", heard[kind] + (" (mixed into the room)" if d.get("mixed") else ""), call)
    did = {"pressed": f"Pressed {d.get('digits', '')}", "said": f"Said: “{d.get('text', '')}”", "beep": "Beeped"}
    if kind in did:
        return Line(event.at, "did", did[kind], call)
    media = tuple(d.get("media_urls") or ())
    if kind == "sms":
        result = "" if d.get("result") == "delivered" else f" — {d.get('result')}"
        return Line(event.at, "message", f"Received {d.get('type', 'sms').upper()} from {d.get('from', '')}: "
                                         f"{d.get('text', '')}{result}", links=media)
    if kind == "sms_sent":
        return Line(event.at, "message", f"Sent {d.get('type', 'sms').upper()} to {d.get('to', '')}: {d.get('text', '')}",
                    links=media)
    return Line(event.at, "state", kind, call)


@dataclass(frozen=True)
class AppRequest:
    """A request the application got, as the live view lists it (parameters decoded)."""

    attempt: WebhookAttempt
    params: list[tuple[str, str]]


def requests_of(attempts: Iterable[WebhookAttempt]) -> list[AppRequest]:
    shown = []
    for attempt in attempts:
        try:
            decoded = orjson.loads(attempt.params)
        except orjson.JSONDecodeError:
            decoded = {}
        pairs = [(str(key), ", ".join(map(str, value)) if isinstance(value, list) else str(value))
                 for key, value in (decoded.items() if isinstance(decoded, dict) else [])]
        shown.append(AppRequest(attempt, pairs))
    return shown
