"""The message connector interface: how the messaging pipeline talks to a carrier.

The pipeline (``switchboard.messaging``) owns every rule — validation, opt-out, rate limits,
states, callbacks, durability. A connector only moves messages: it submits what the pipeline
hands it and reports back what the carrier said, in Plivo's terms (states and error codes), via
the :class:`ConnectorEvents` the pipeline gives it at start. The simulated carrier
(``network/sim/sms.py``) is the first implementation; SMPP and HTTP carriers implement the same
protocol.

Delivery semantics: the pipeline submits a message at least once (after a crash between a
submit and its commit, the message is submitted again with the same ``message_uuid``, which a
connector should use as its idempotency key where the carrier allows). Receipts and inbound
messages are acknowledged to the carrier only once the ``ConnectorEvents`` call has returned,
because that is when they are in the database.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ReceiptState = Literal["sent", "delivered", "undelivered", "failed"]


@dataclass(frozen=True)
class OutboundMessage:
    message_uuid: str
    account_id: str
    src: str
    dst: str
    text: str
    encoding: str
    """``GSM`` (GSM 03.38 7-bit) or ``UCS-2``."""
    parts: tuple[str, ...]
    """The text of each segment, split as counted (never inside an escape or surrogate pair)."""
    message_type: str = "sms"
    media_urls: tuple[str, ...] = ()
    carrier_message_id: str | None = None
    """Set when the message was already accepted by the connector (``resume`` after a restart)."""


@dataclass(frozen=True)
class DeliveryReceipt:
    carrier_message_id: str
    state: ReceiptState
    error_code: int | None = None


@dataclass(frozen=True)
class SubmitResult:
    message_uuid: str
    accepted: bool
    carrier_message_id: str | None = None
    error_code: int | None = None
    """Plivo's error code when not accepted (40 invalid source, 50 invalid destination …)."""
    retry_after: float | None = None
    """The carrier asked to slow down (throttled, queue full): submit again after this many seconds."""
    receipt: DeliveryReceipt | None = None
    """The final receipt, when it came before the submit was done: the pipeline applies it in the
    transaction that stores the submit (the message's id is not yet committed for a separate report)."""


@dataclass(frozen=True)
class InboundMedia:
    content_type: str
    content: bytes
    file_name: str = ""


@dataclass(frozen=True)
class PartInfo:
    """Where one segment of a concatenated message belongs (from the UDH or SAR fields)."""

    reference: int
    total: int
    seqnum: int


@dataclass(frozen=True)
class InboundSms:
    src: str
    dst: str
    text: str
    message_type: str = "sms"
    media: tuple[InboundMedia, ...] = ()
    media_urls: tuple[str, ...] = ()
    """Media the carrier hands over by URL (as MMS content arrives from an MMSC or an HTTP carrier):
    the pipeline fetches and stores them with the message, beside ``media``."""
    part: PartInfo | None = None
    carrier: str = ""


class ConnectorEvents(Protocol):
    """What a connector reports to the pipeline; each call returns once it is durable."""

    async def receipts(self, connector: str, receipts: Sequence[DeliveryReceipt]) -> None: ...

    async def inbound(self, connector: str, message: InboundSms) -> str | None:
        """Store an inbound message (or part); returns its message_uuid once complete."""
        ...


class MessageConnector(Protocol):
    name: str
    kind: str

    @property
    def available(self) -> bool:
        """Whether it can take messages now (an SMPP connector with no bind up cannot)."""
        ...

    def status(self) -> dict[str, Any]:
        """State for the API: ``state`` (up/degraded/down) and what explains it (never credentials)."""
        ...

    async def start(self, events: ConnectorEvents) -> None: ...

    async def stop(self) -> None: ...

    async def submit(self, messages: Sequence[OutboundMessage]) -> list[SubmitResult]:
        """Hand messages to the carrier; one result per message, in order."""
        ...

    async def resume(self, outstanding: Sequence[OutboundMessage]) -> None:
        """After a restart: messages this connector accepted earlier that have no final receipt
        yet (a carrier that pushes receipts on its own may ignore this)."""
        ...


@dataclass
class ConnectorSet:
    """The connectors of a running node by name, the one outbound messages use by default, the
    messaging routes (per account and destination prefix; account ``*`` for every account) and
    each connector's failover."""

    default: str
    connectors: dict[str, MessageConnector] = field(default_factory=dict)
    routes: dict[str, dict[str, str]] = field(default_factory=dict)
    """account auth_id (or ``*``) -> destination prefix -> connector name."""
    failover: dict[str, str] = field(default_factory=dict)

    def add(self, connector: MessageConnector, failover: str = "") -> None:
        self.connectors[connector.name] = connector
        if failover:
            self.failover[connector.name] = failover
        else:
            self.failover.pop(connector.name, None)

    def remove(self, name: str) -> MessageConnector | None:
        self.failover.pop(name, None)
        return self.connectors.pop(name, None)

    def get(self, name: str) -> MessageConnector:
        return self.connectors.get(name) or self.connectors[self.default]

    def route(self, account_id: str, dst: str) -> str:
        """The connector for a message of ``account_id`` to ``dst``: the longest matching prefix of
        the account's routes, then of the node's (``*``), then the default connector."""
        for table in (self.routes.get(account_id, {}), self.routes.get("*", {})):
            best = max((prefix for prefix in table if dst.startswith(prefix)), key=len, default=None)
            if best is not None and table[best] in self.connectors:
                return table[best]
        return self.default

    def pick(self, name: str) -> str:
        """``name``, or its failover when ``name`` is down and the failover is up (one hop)."""
        connector = self.get(name)
        if getattr(connector, "available", True):
            return connector.name
        backup = self.connectors.get(self.failover.get(connector.name, ""))
        if backup is not None and getattr(backup, "available", True):
            return backup.name
        return connector.name
