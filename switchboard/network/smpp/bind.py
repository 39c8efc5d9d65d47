"""One bind of a connector: a transceiver session, or a transmitter and a receiver session
("pair" mode), each kept up by its own reconnect loop with exponential back-off and jitter
(slow retries after an authentication failure), plus the bind's throughput cap."""

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

from switchboard.core.clock import Clock
from switchboard.network.smpp import pdu
from switchboard.network.smpp.config import SmppConfig
from switchboard.network.smpp.session import BindFailed, BindType, DeliverHandler, ResponseTimeout, Session
from switchboard.network.smpp.throttle import BindThrottle

log = logging.getLogger("switchboard.smpp")
AUTH_FAILURES = (pdu.RINVPASWD, pdu.RINVSYSID, pdu.RBINDFAIL)


class Link:
    """One session slot of a bind, reconnected for as long as the connector runs."""

    def __init__(self, bind: "Bind", bind_type: BindType):
        self.bind = bind
        self.bind_type = bind_type
        self.session: Session | None = None
        self.state = "connecting"
        self.last_error = ""
        self.retry_in = 0.0
        self.bound_since: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def up(self) -> bool:
        return self.session is not None and not self.session.closed.is_set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"smpp-{self.bind.label}-{self.bind_type}")

    async def stop(self) -> None:
        self._stopping = True
        if self.session is not None:
            await self.session.unbind()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.state = "stopped"

    async def _run(self) -> None:
        config, clock = self.bind.config, self.bind.clock
        delay = config.reconnect_min
        while not self._stopping:
            label = f"{self.bind.label}/{self.bind_type}"
            session = Session(config, self.bind_type, clock, self.bind.on_deliver if self.bind_type != "transmitter" else None, label)
            try:
                self.state = "binding"
                await session.open()
            except BindFailed as exc:
                slow = exc.status in AUTH_FAILURES
                self._failed(f"bind refused: status 0x{exc.status:02X}" + (" (check system_id/password)" if slow else ""))
                delay = config.reconnect_max if slow else delay
            except (OSError, ResponseTimeout, pdu.PduError) as exc:
                self._failed(f"cannot bind: {type(exc).__name__}: {exc}")
            else:
                self.session, self.state, self.last_error = session, "bound", ""
                self.bound_since = clock.now().isoformat()
                delay = config.reconnect_min
                self.bind.note(f"{self.bind_type} bound to {session.smsc_system_id or config.host}")
                self.bind.changed()
                await session.closed.wait()
                self.bound_since = None
                if self._stopping:
                    return
                self._failed(f"session ended: {session.close_reason}")
                self.bind.changed()
            self.retry_in = delay * random.uniform(0.8, 1.2)
            await clock.sleep(self.retry_in)
            delay = min(delay * 2, config.reconnect_max)

    def _failed(self, reason: str) -> None:
        self.state, self.last_error = "down", reason
        self.bind.note(f"{self.bind_type}: {reason}")


class Bind:
    def __init__(self, config: SmppConfig, clock: Clock, index: int, label: str, on_deliver: DeliverHandler,
                 note: Callable[[str], None], changed: Callable[[], None]):
        self.config = config
        self.clock = clock
        self.index = index
        self.label = f"{label}#{index}"
        self.on_deliver = on_deliver
        self.note = lambda text: note(f"bind {index}: {text}")
        self.changed = changed
        self.throttle = BindThrottle(clock, config.mps)
        types: list[BindType] = ["transceiver"] if config.bind_mode == "transceiver" else ["transmitter", "receiver"]
        self.links = [Link(self, bind_type) for bind_type in types]

    @property
    def transmitter(self) -> Session | None:
        link = self.links[0]
        return link.session if link.up else None

    def start(self) -> None:
        for link in self.links:
            link.start()

    async def stop(self) -> None:
        await asyncio.gather(*(link.stop() for link in self.links))

    def status(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "sessions": [{"bind_type": link.bind_type, "state": link.state, "bound_since": link.bound_since,
                          "last_error": link.last_error, "outstanding": link.session.outstanding if link.up and link.session else 0,
                          "smsc_system_id": link.session.smsc_system_id if link.up and link.session else ""}
                         for link in self.links],
            "throttle_backoff": self.throttle.backoff,
        }
