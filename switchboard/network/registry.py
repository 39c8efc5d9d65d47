"""Carrier connectors of a node from their configuration: the config file (``--connectors``,
TOML) and the ``Connector/`` API (stored in ``message_connectors``). Builds, starts, replaces
and stops connectors at run time, keeps the routes and failovers of the :class:`ConnectorSet`,
and redacts credentials from whatever it shows.

Config file::

    default = "carrier-a"              # connector for messages no route matches (default "sim")

    [[connector]]
    name = "carrier-a"
    kind = "smpp"                      # smpp | twilio
    failover = "carrier-b"             # optional
    host = "smsc.example.net"
    port = 2775
    system_id = "switchboard"
    password = "secret"

    [[route]]                          # account "*" (default) = every account
    prefix = "49"
    connector = "carrier-a"
"""

import json
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.core.clock import Clock
from switchboard.network.connector import ConnectorEvents, ConnectorSet, MessageConnector
from switchboard.network.http_carrier.twilio import TwilioCarrier, TwilioConfig
from switchboard.network.models import ConnectorRow, MessagingRoute
from switchboard.network.smpp.config import SmppConfig
from switchboard.network.smpp.connector import SmppConnector

log = logging.getLogger("switchboard.connectors")
KINDS = {"smpp": SmppConfig, "twilio": TwilioConfig}
NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
RESERVED = frozenset({"sim", "internal"})
REDACTED = "********"


def parse_settings(kind: str, settings: dict[str, Any]) -> SmppConfig | TwilioConfig:
    """The checked configuration of a connector (ValueError says what is wrong, without values)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    try:
        return KINDS[kind].from_dict(settings)  # type: ignore[attr-defined, no-any-return]
    except TypeError as exc:
        raise ValueError(f"bad settings for a {kind} connector: {exc}") from None


def redacted(kind: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as the API shows them: credentials replaced, never returned."""
    secret = getattr(KINDS.get(kind), "SECRET", ())
    return {key: (REDACTED if key in secret and value else value) for key, value in settings.items()}


@dataclass
class ConnectorSpec:
    name: str
    kind: str
    settings: dict[str, Any] = field(repr=False)
    """Holds credentials: never shown (see :func:`redacted`) nor logged."""
    failover: str = ""
    account_id: str | None = None
    """None for the config file's connectors (the operator's, usable by every account)."""


@dataclass
class ConfigFile:
    default: str = "sim"
    connectors: list[ConnectorSpec] = field(default_factory=list)
    routes: dict[str, dict[str, str]] = field(default_factory=dict)


def load_file(path: Path) -> ConfigFile:
    """Read and check the connectors file; ValueError names the first problem."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    result = ConfigFile(default=str(data.get("default", "sim")))
    for entry in data.get("connector", []):
        entry = dict(entry)
        name, kind, failover = str(entry.pop("name", "")), str(entry.pop("kind", "")), str(entry.pop("failover", ""))
        if not NAME.match(name) or name in RESERVED:
            raise ValueError(f"connector name {name!r}: 1-32 letters, digits, - or _ (not sim/internal)")
        parse_settings(kind, entry)
        result.connectors.append(ConnectorSpec(name, kind, entry, failover))
    names = {spec.name for spec in result.connectors} | {"sim"}
    for route in data.get("route", []):
        account, prefix, connector = str(route.get("account", "*")), str(route.get("prefix", "")), str(route.get("connector", ""))
        if connector not in names or not re.fullmatch(r"\d{0,16}", prefix):
            raise ValueError(f"route {prefix!r} -> {connector!r}: unknown connector or prefix not digits")
        result.routes.setdefault(account, {})[prefix] = connector
    if result.default not in names:
        raise ValueError(f"default connector {result.default!r} is not configured")
    return result


class Carriers:
    """The connectors of the running node (``app.state.messaging.carriers``)."""

    def __init__(self, connectors: ConnectorSet, clock: Clock, sessionmaker: async_sessionmaker[AsyncSession], public_url: str,
                 config_file: ConfigFile | None = None):
        self.connectors = connectors
        self.clock = clock
        self.sessionmaker = sessionmaker
        self.public_url = public_url
        self.specs: dict[str, ConnectorSpec] = {}
        self.events: ConnectorEvents | None = None
        self.file = config_file or ConfigFile()
        for spec in self.file.connectors:
            self._add(spec)
        self.connectors.default = self.file.default
        self.connectors.routes.update({account: dict(table) for account, table in self.file.routes.items()})

    def build(self, spec: ConnectorSpec) -> MessageConnector:
        config = parse_settings(spec.kind, spec.settings)
        if isinstance(config, SmppConfig):
            return SmppConnector(spec.name, config, self.clock, self.sessionmaker)
        return TwilioCarrier(spec.name, config, self.clock, self.public_url)

    def _add(self, spec: ConnectorSpec) -> MessageConnector:
        connector = self.build(spec)
        self.connectors.add(connector, spec.failover)
        self.specs[spec.name] = spec
        return connector

    async def load(self) -> None:
        """The connectors and routes stored through the API (before the pipeline starts them)."""
        async with self.sessionmaker() as session:
            for row in (await session.scalars(select(ConnectorRow).where(ConnectorRow.enabled.is_(True)))).all():
                if row.name in self.specs:
                    log.warning("connector %s from the API is shadowed by the config file's", row.name)
                    continue
                try:
                    self._add(ConnectorSpec(row.name, row.kind, json.loads(row.settings), row.failover, row.account_id))
                except ValueError as exc:
                    log.error("connector %s not started: %s", row.name, exc)
            await self.load_routes(session)

    async def load_routes(self, session: AsyncSession) -> None:
        tables: dict[str, dict[str, str]] = {account: dict(table) for account, table in self.file.routes.items()}
        for route in (await session.scalars(select(MessagingRoute))).all():
            tables.setdefault(route.account_id, {})[route.prefix] = route.connector
        self.connectors.routes = tables

    async def replace(self, spec: ConnectorSpec) -> None:
        """Start ``spec`` as a new connector (stopping the one it replaces)."""
        await self.remove(spec.name)
        connector = self._add(spec)
        if self.events is not None:
            await connector.start(self.events)

    async def remove(self, name: str) -> None:
        self.specs.pop(name, None)
        old = self.connectors.remove(name)
        if old is not None:
            await old.stop()

    def describe(self, name: str) -> dict[str, Any]:
        spec = self.specs[name]
        connector = self.connectors.connectors[name]
        return {"name": name, "kind": spec.kind, "source": "api" if spec.account_id else "config",
                "failover": spec.failover, "settings": redacted(spec.kind, spec.settings), "status": connector.status()}

    def usable_by(self, account_id: str) -> list[str]:
        """Connector names an account may route to: the node's (config file, sim) and its own."""
        return sorted(["sim", *(name for name, spec in self.specs.items() if spec.account_id in (None, account_id))])

