"""A live call: who it belongs to, its legs, its URLs and options, its timestamps, and the
standard ("session") parameters every request about it carries."""

import asyncio
import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from switchboard.billing.rating import call_amount, rate_call
from switchboard.core.clock import Clock
from switchboard.network.channel import CallLeg
from switchboard.pricing.table import VoiceTariff, format_rate
from switchboard.voice.causes import Cause

SESSION_TIME = "%Y-%m-%d %H:%M:%S.%f"
CALLBACK_TIME = "%Y-%m-%d %H:%M:%S"
NOT_APPLICABLE = "Not Applicable"
# What Plivo reports of a signed inbound call: full attestation verifies the caller ID.
STIR_VERIFICATION = {"A": "Verified", "B": "Not Verified", "C": "Not Verified"}


def stir(attestation: str) -> tuple[str, str]:
    """Plivo's STIR verification and attestation of a call whose caller had ``attestation``
    ("" for unsigned and outbound calls: Switchboard signs nothing)."""
    return STIR_VERIFICATION.get(attestation, NOT_APPLICABLE), attestation or NOT_APPLICABLE


@dataclass
class CallUrls:
    answer_url: str = ""
    answer_method: str = "POST"
    fallback_url: str = ""
    fallback_method: str = "POST"
    hangup_url: str = ""
    hangup_method: str = "POST"
    ring_url: str = ""
    ring_method: str = "POST"
    machine_detection_url: str = ""
    machine_detection_method: str = "POST"


@dataclass
class CallOptions:
    """What ``POST Call/`` asked for beyond the URLs (inbound calls use the defaults)."""

    send_digits: str = ""
    send_on_preanswer: bool = False
    time_limit: int = 14_400
    hangup_on_ring: int | None = None
    ring_timeout: int = 120
    machine_detection: str = ""  # "" | "true" | "hangup"
    machine_detection_time: int = 5000
    machine_detection_speech_threshold: int = 2400
    machine_detection_initial_silence: int = 4500
    machine_detection_maximum_words: int = 3
    sip_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LiveCall:
    call_uuid: str
    request_uuid: str
    account_id: str  # the main account
    sub_account_id: str | None
    direction: str
    from_: str
    to: str
    caller_name: str
    urls: CallUrls
    options: CallOptions
    clock: Clock
    initiation_time: datetime
    tariff: VoiceTariff = VoiceTariff(Decimal("0"))  # fixed when the call is placed or routed
    parent_call_uuid: str | None = None
    status: str = "queued"
    leg: CallLeg | None = None
    answer_time: datetime | None = None
    answered_at: float | None = None
    end_time: datetime | None = None
    cause: Cause | None = None
    hangup_source: str = ""
    machine: bool | None = None
    session_start: datetime | None = None
    task: "asyncio.Task[None] | None" = None
    document_task: "asyncio.Task[None] | None" = None
    pending_transfer: tuple[str, str] | None = None
    overlays: dict[str, "asyncio.Task[None]"] = field(default_factory=dict)
    finished: "asyncio.Future[None] | None" = None
    fetches: int = 0
    queued_for: float = 0.0  # seconds the outbound CPS limit held the call back
    starts_at: float = 0.0  # the clock's monotonic time of its outbound CPS slot
    forwarded_from: str = ""  # inbound: the number the call was diverted from
    stir_attestation: str = ""  # inbound: the caller's STIR/SHAKEN attestation (A/B/C), "" if unsigned
    source_ip: str = ""  # inbound SIP: the address the INVITE came from
    conference_uuid: str | None = None  # the last conference room the call was in
    dial: Any = None  # the voice.dial.Bridge this call is in while a <Dial> connects it

    @property
    def owner(self) -> str:
        """auth_id of the (sub)account the call belongs to; webhooks are signed with its token."""
        return self.sub_account_id or self.account_id

    @property
    def bill_rate(self) -> Decimal:
        return self.tariff.rate

    @property
    def answered(self) -> bool:
        return self.answer_time is not None

    @property
    def is_live(self) -> bool:
        return self.end_time is None

    def mark_answered(self) -> None:
        if self.answer_time is None:
            self.answer_time = self.clock.now()
            self.answered_at = self.clock.monotonic()
            self.status = "in-progress"

    # --- parameters ----------------------------------------------------------------------------

    def params(self, **extra: Any) -> dict[str, Any]:
        """Plivo's standard parameters of answer, fallback, action and redirect requests."""
        started = self.session_start or self.initiation_time
        params: dict[str, Any] = {
            "CallUUID": self.call_uuid,
            "From": self.from_,
            "To": self.to,
            "CallStatus": self.status if self.status in ("ringing", "in-progress") else "in-progress",
            "Direction": self.direction,
            "CallerName": self.caller_name,
            "BillRate": format_rate(self.bill_rate),
            "ParentAuthID": self.account_id,
            "SessionStart": started.strftime(SESSION_TIME),
        }
        if self.direction == "outbound":
            params.update(RequestUUID=self.request_uuid, ALegUUID=self.call_uuid, ALegRequestUUID=self.request_uuid)
        else:
            verification, attestation = stir(self.stir_attestation)
            params.update(STIRVerification=verification, STIRAttestation=attestation)
        if self.forwarded_from:
            params["ForwardedFrom"] = self.forwarded_from
        for name, value in self.options.sip_headers.items():
            params[f"X-PH-{name}"] = value
        if self.machine is not None and self.options.machine_detection and not self.urls.machine_detection_url:
            params["Machine"] = "true" if self.machine else "false"
        params.update(extra)
        return params

    def durations(self) -> tuple[int, int, int]:
        """Seconds of the call (from answer), billable seconds, and billed seconds (rounded up to
        the tariff's increments)."""
        if self.answered_at is None:
            return 0, 0, 0
        ended = self.clock.monotonic()
        seconds = max(0, math.ceil(ended - self.answered_at - 1e-6))
        return seconds, seconds, rate_call(self.tariff, seconds).billed_duration

    def total_amount(self, billed: int) -> Decimal:
        """The cost of ``billed`` seconds (already rounded to the tariff's increments)."""
        return call_amount(self.tariff.rate, billed)

    def hangup_params(self, duration: int, bill_duration: int, billed: int) -> dict[str, Any]:
        assert self.cause is not None and self.end_time is not None
        return self.params(
            Event="Hangup",
            CallStatus=self.final_status(),
            StartTime=(self.session_start or self.initiation_time).strftime(CALLBACK_TIME),
            AnswerTime=self.answer_time.strftime(CALLBACK_TIME) if self.answer_time else "",
            EndTime=self.end_time.strftime(CALLBACK_TIME),
            Duration=str(duration),
            BillDuration=str(bill_duration),
            TotalCost=format_rate(self.total_amount(billed)),
            HangupCause=self.cause.q850,
            HangupCauseCode=str(self.cause.code),
            HangupCauseName=self.cause.name,
            HangupSource=self.hangup_source,
        )

    def final_status(self) -> str:
        if self.answered or self.direction == "inbound" or self.cause is None:
            return "completed"
        return self.cause.status

    def live_json(self) -> dict[str, Any]:
        """``GET Call/{uuid}/?status=live`` (and ``queued``)."""
        verification, attestation = stir(self.stir_attestation)
        return {
            "answer_url": self.urls.answer_url,
            "call_status": self.status,
            "call_uuid": self.call_uuid,
            "caller_name": self.caller_name,
            "direction": self.direction,
            "from": self.from_,
            "parent_call_uuid": self.parent_call_uuid,
            "request_uuid": self.request_uuid,
            "session_start": (self.session_start or self.initiation_time).strftime(SESSION_TIME),
            "stir_attestation": attestation,
            "stir_verification": verification,
            "to": self.to,
        }
