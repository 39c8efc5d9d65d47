"""A carrier with Twilio's Programmable Messaging API shape: send with ``POST
{base_url}/2010-04-01/Accounts/{account_sid}/Messages.json`` (form: ``To``, ``From``, ``Body``,
``MediaUrl``, ``StatusCallback``; HTTP Basic with the account SID and auth token), receive the
message ``sid``; status callbacks (``MessageSid``, ``MessageStatus``, ``ErrorCode``) and inbound
messages (``From``, ``To``, ``Body``, ``NumMedia``, ``MediaUrl0``…, fetched by the pipeline) arrive as signed form POSTs at
``/carrier/{name}/status`` and ``/carrier/{name}/inbound`` (``routes.py``)."""

import collections
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import httpx

from switchboard.core.clock import Clock
from switchboard.network.connector import ConnectorEvents, DeliveryReceipt, InboundSms, OutboundMessage, ReceiptState, SubmitResult

log = logging.getLogger("switchboard.http_carrier")
RETRY_SECONDS = 5.0
STATES: dict[str, ReceiptState] = {"sent": "sent", "delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}
ERRORS = {"21211": 50, "21614": 50, "21612": 90, "21606": 40, "21408": 90, "21610": 200, "30003": 80, "30004": 70,
          "30005": 70, "30006": 50, "30007": 30, "30008": 1000, "21617": 110}
"""Twilio error codes -> Plivo's (others: 1000)."""


@dataclass(frozen=True)
class TwilioConfig:
    base_url: str
    account_sid: str
    auth_token: str = field(default="", repr=False)
    timeout: float = 10.0

    SECRET = ("auth_token",)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TwilioConfig":
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        config = cls(**data)
        if not config.base_url.startswith(("http://", "https://")) or not config.account_sid or not config.auth_token:
            raise ValueError("base_url (http/https), account_sid and auth_token are required")
        return config


def _e164(number: str) -> str:
    return "+" + number if number.isdigit() else number


def plivo_error(code: str) -> int:
    return ERRORS.get(code, 1000)


class TwilioCarrier:
    kind = "twilio"

    def __init__(self, name: str, config: TwilioConfig, clock: Clock, public_url: str):
        self.name = name
        self.config = config
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.events: ConnectorEvents | None = None
        self.counters: collections.Counter[str] = collections.Counter()
        self.events_log: collections.deque[dict[str, str]] = collections.deque(maxlen=100)
        self._http: httpx.AsyncClient | None = None
        self._down_since: str | None = None

    @property
    def available(self) -> bool:
        return self._down_since is None

    def note(self, text: str) -> None:
        self.events_log.append({"time": self.clock.now().isoformat(), "event": text})
        log.info("connector %s: %s", self.name, text)

    def status(self) -> dict[str, Any]:
        return {"state": "down" if self._down_since else "up", "down_since": self._down_since,
                "counters": dict(self.counters), "events": list(self.events_log)}

    def callback_url(self, kind: str) -> str:
        return f"{self.public_url}/carrier/{self.name}/{kind}"

    async def start(self, events: ConnectorEvents) -> None:
        self.events = events
        self._http = httpx.AsyncClient(auth=(self.config.account_sid, self.config.auth_token), timeout=self.config.timeout,
                                       headers={"User-Agent": "Switchboard carrier connector"})

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def resume(self, outstanding: Sequence[OutboundMessage]) -> None:
        """Status callbacks come on their own."""

    async def submit(self, messages: Sequence[OutboundMessage]) -> list[SubmitResult]:
        return [await self._send(message) for message in messages]

    async def _send(self, message: OutboundMessage) -> SubmitResult:
        assert self._http is not None
        url = f"{self.config.base_url.rstrip('/')}/2010-04-01/Accounts/{self.config.account_sid}/Messages.json"
        form: dict[str, str | list[str]] = {"To": _e164(message.dst), "From": _e164(message.src), "Body": message.text,
                                            "StatusCallback": self.callback_url("status")}
        if message.media_urls:
            form["MediaUrl"] = list(message.media_urls)
        try:
            response = await self._http.post(url, data=form)
        except httpx.HTTPError as exc:
            self._went_down(f"{type(exc).__name__}: {exc}")
            return SubmitResult(message.message_uuid, False, retry_after=RETRY_SECONDS)
        if response.status_code in (429,) or response.status_code >= 500:
            self._went_down(f"HTTP {response.status_code}")
            return SubmitResult(message.message_uuid, False, retry_after=RETRY_SECONDS)
        if self._down_since is not None:
            self._down_since = None
            self.note("the carrier answers again")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code in (200, 201) and body.get("sid"):
            self.counters["accepted"] += 1
            return SubmitResult(message.message_uuid, True, carrier_message_id=str(body["sid"]))
        if response.status_code in (401, 403):
            self._went_down(f"HTTP {response.status_code}: the carrier refuses the credentials")
            return SubmitResult(message.message_uuid, False, retry_after=RETRY_SECONDS * 6)
        self.counters["failed"] += 1
        return SubmitResult(message.message_uuid, False, error_code=plivo_error(str(body.get("code", ""))))

    def _went_down(self, why: str) -> None:
        self.counters["errors"] += 1
        if self._down_since is None:
            self._down_since = self.clock.now().isoformat()
        self.note(f"cannot send: {why}")

    # --- webhooks (called by routes.py once the signature checked out) ----------------------------

    async def status_callback(self, form: dict[str, str]) -> None:
        state = STATES.get(form.get("MessageStatus", "").lower())
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        if state is None or not sid or state == "sent":
            return  # queued/accepted/sending are not states Plivo reports
        error = plivo_error(form.get("ErrorCode", "")) if state != "delivered" else None
        assert self.events is not None
        self.counters["receipts"] += 1
        await self.events.receipts(self.name, [DeliveryReceipt(sid, state, error)])

    async def inbound(self, form: dict[str, str]) -> None:
        """An inbound message; an MMS (``NumMedia`` > 0) hands its media over as ``MediaUrl0``…"""
        assert self.events is not None
        self.counters["inbound"] += 1
        count = int(form["NumMedia"]) if form.get("NumMedia", "").isdigit() else 0
        urls = tuple(url for url in (form.get(f"MediaUrl{index}", "") for index in range(min(count, 10))) if url)
        await self.events.inbound(self.name, InboundSms(src=form.get("From", "").lstrip("+"), dst=form.get("To", "").lstrip("+"),
                                                        text=form.get("Body", ""), message_type="mms" if urls else "sms",
                                                        media_urls=urls, carrier=self.name))
