"""Simulated phones: what each one does when called or messaged, and a log of what it experienced.

A phone is addressed by a number (E.164 digits, no ``+``, as Plivo writes numbers) or by an
endpoint username (``endpoint:<username>``). A number nobody configured behaves as a default
phone: it answers after one ring, stays on the line until the platform hangs up, and accepts
every message. The phone book lives in memory: the simulator is a test double, not state to keep.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from switchboard.core.clock import Clock

MAX_LOG = 10_000
Digits = Annotated[str, StringConstraints(pattern=r"^[0-9*#A-Da-dwW]+$", max_length=64)]


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Ring(_Step):
    """Ring for this many seconds, then answer (unless a ``reject`` follows)."""

    ring: float = Field(ge=0, le=3600)


class EarlyMedia(_Step):
    """Before answering, open early media (SIP 183: a carrier announcement or ringback) for this
    many seconds; the steps after it then ring, answer or reject as usual."""

    early_media: float = Field(ge=0, le=3600)


class Reject(_Step):
    """Do not answer: ``busy``, ``no-answer`` (ring until the caller gives up), ``rejected``, or
    ``timeout`` (the network never gives a final answer: a carrier's 408 Request Timeout)."""

    reject: Literal["busy", "no-answer", "rejected", "timeout"]


class Machine(_Step):
    """An answering machine: answers and plays a greeting, then a beep."""

    machine: Literal[True]
    greeting: str = Field("Hello, you have reached voicemail. Please leave a message after the tone.", max_length=1000)


class Wait(_Step):
    wait: float = Field(ge=0, le=86_400)


class Press(_Step):
    press: Digits


class Say(_Step):
    """Speak; ``language`` is the language spoken (a recogniser expecting another one does not
    understand it)."""

    say: str = Field(min_length=1, max_length=2000)
    language: str = Field("en-US", pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})*$", max_length=16)


class Hangup(_Step):
    hangup: Literal[True]


CallStep = Ring | EarlyMedia | Reject | Machine | Wait | Press | Say | Hangup


class SmsBehaviour(BaseModel):
    """How the phone's network treats messages sent to it."""

    model_config = ConfigDict(extra="forbid")

    result: Literal["delivered", "undelivered", "failed"] = "delivered"
    error_code: int | None = Field(None, description="Plivo error code reported when result is not delivered.")
    receipt_delay: float = Field(0, ge=0, le=86_400, description="Seconds between sending and the delivery receipt.")
    reply: str | None = Field(None, max_length=1600, description="Text the phone sends back after each message.")


class PhoneSpec(BaseModel):
    """Body of ``POST /_sim/phones``: exactly one of ``number`` and ``endpoint``."""

    model_config = ConfigDict(extra="forbid")

    number: str | None = None
    endpoint: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")] | None = None
    script: list[CallStep] = Field(default_factory=list, max_length=1000)
    sms: SmsBehaviour = Field(default_factory=SmsBehaviour)

    @model_validator(mode="after")
    def _one_address(self) -> "PhoneSpec":
        if (self.number is None) == (self.endpoint is None):
            raise ValueError("give exactly one of number and endpoint")
        return self


@dataclass
class PhoneEvent:
    at: datetime
    kind: str
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "kind": self.kind, **self.detail}


@dataclass
class SimPhone:
    address: str
    script: list[CallStep] = field(default_factory=list)
    sms: SmsBehaviour = field(default_factory=SmsBehaviour)
    configured: bool = False
    log: list[PhoneEvent] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        if self.address.startswith("endpoint:"):
            key, value = "endpoint", self.address.removeprefix("endpoint:")
        else:
            key, value = "number", self.address
        return {
            key: value,
            "configured": self.configured,
            "script": [step.model_dump(exclude_unset=True) for step in self.script],
            "sms": self.sms.model_dump(),
            "log": [event.as_json() for event in self.log],
        }


def endpoint_address(username: str) -> str:
    return f"endpoint:{username}"


class PhoneBook:
    def __init__(self, clock: Clock):
        self.clock = clock
        self._phones: dict[str, SimPhone] = {}

    def put(self, address: str, script: list[CallStep], sms: SmsBehaviour) -> SimPhone:
        """Create or replace the phone at ``address`` (its log starts afresh)."""
        phone = SimPhone(address=address, script=list(script), sms=sms, configured=True)
        self._phones[address] = phone
        return phone

    def get(self, address: str) -> SimPhone | None:
        return self._phones.get(address)

    def phones(self) -> list[SimPhone]:
        """Every phone configured or reached so far, in the order they first appeared."""
        return list(self._phones.values())

    def phone(self, address: str) -> SimPhone:
        """The phone at ``address``; a default phone is created the first time one is reached."""
        phone = self._phones.get(address)
        if phone is None:
            phone = self._phones[address] = SimPhone(address=address)
        return phone

    def remove(self, address: str) -> bool:
        return self._phones.pop(address, None) is not None

    def record(self, address: str, kind: str, **detail: Any) -> PhoneEvent:
        """Add an event to the phone's log (the oldest go once the log is long)."""
        phone = self.phone(address)
        event = PhoneEvent(at=self.clock.now(), kind=kind, detail=detail)
        phone.log.append(event)
        if len(phone.log) > MAX_LOG:
            del phone.log[: len(phone.log) - MAX_LOG]
        return event
