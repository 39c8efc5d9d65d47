"""One SMPP session: a TCP connection to the SMSC with one bind (transceiver, transmitter or
receiver), a window of outstanding requests matched by sequence number, enquire_link
keep-alive in both directions, generic_nack handling and a graceful unbind.

The session never reconnects: when it ends (TCP drop, unbind from the SMSC, an unanswered
enquire_link, a desynchronised stream), every outstanding request fails with
:class:`SessionClosed` and :attr:`closed` is set; ``bind.py`` decides what to do next."""

import asyncio
import collections
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from switchboard.core.clock import Clock
from switchboard.network.smpp import pdu
from switchboard.network.smpp.config import SmppConfig

log = logging.getLogger("switchboard.smpp")
BindType = Literal["transceiver", "transmitter", "receiver"]
INTERFACE_VERSION = 0x34
UNBIND_GRACE = 5.0
ANSWERED_KEPT = 1024
DeliverHandler = Callable[["Session", Any], Awaitable[None]]
"""Called with each deliver_sm; it must answer it (``respond``) once the content is stored."""


class SessionClosed(Exception):
    """The session ended before the request was answered (its outcome is unknown)."""


class ResponseTimeout(Exception):
    """No response within the configured time (the outcome is unknown)."""


class BindFailed(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Session:
    def __init__(self, config: SmppConfig, bind_type: BindType, clock: Clock, on_deliver: DeliverHandler | None, label: str):
        self.config = config
        self.bind_type = bind_type
        self.clock = clock
        self.on_deliver = on_deliver
        self.label = label
        self.smsc_system_id = ""
        self.closed: asyncio.Event = asyncio.Event()
        self.close_reason = ""
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._answered: collections.OrderedDict[int, str] = collections.OrderedDict()
        """The last responses sent (sequence → command), so that a generic_nack of one of them is
        told from a stream out of step."""
        self._window = asyncio.Semaphore(config.window)
        self._sequence = itertools.count(1)
        self._tasks: list[asyncio.Task[None]] = []
        self._handlers: set[asyncio.Task[None]] = set()
        self._last_heard = 0.0
        self._unbinding = False

    # --- opening and closing -------------------------------------------------------------------

    async def open(self) -> None:
        """Connect and bind; raises BindFailed, ResponseTimeout or OSError."""
        connecting = asyncio.ensure_future(asyncio.open_connection(self.config.host, self.config.port))
        if not await self.clock.wait(connecting, self.config.response_timeout):
            connecting.cancel()
            raise ResponseTimeout(f"connecting to {self.config.host}:{self.config.port} timed out")
        self._reader, self._writer = connecting.result()
        self._last_heard = self.clock.monotonic()
        self._tasks.append(asyncio.create_task(self._read_loop(), name=f"smpp-read-{self.label}"))
        try:
            response = await self.request(f"bind_{self.bind_type}", system_id=self.config.system_id,
                                          password=self.config.password, system_type=self.config.system_type,
                                          interface_version=INTERFACE_VERSION, addr_ton=0, addr_npi=0, address_range="")
        except BaseException:
            self.abort("bind not answered")
            raise
        if response.status != pdu.ROK:
            self.abort(f"bind refused with status 0x{response.status:02X}")
            raise BindFailed(response.status, f"bind_{self.bind_type} refused: status 0x{response.status:02X}")
        self.smsc_system_id = pdu.text(getattr(response, "system_id", b""))
        self._tasks.append(asyncio.create_task(self._keep_alive(), name=f"smpp-keepalive-{self.label}"))

    def abort(self, reason: str) -> None:
        """End the session now: close the socket and fail whatever is outstanding."""
        if self.closed.is_set():
            return
        self.close_reason = reason
        self.closed.set()
        if self._writer is not None:
            self._writer.close()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(SessionClosed(reason))
        self._pending.clear()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()

    async def unbind(self) -> None:
        """Graceful end: unbind, wait for unbind_resp (a few seconds at most), close."""
        if self.closed.is_set():
            return
        self._unbinding = True
        with contextlib.suppress(SessionClosed, ResponseTimeout, OSError):
            await self.request("unbind", timeout=UNBIND_GRACE)
        self.abort("unbound")

    # --- requests and responses ----------------------------------------------------------------

    def _next_sequence(self) -> int:
        value = next(self._sequence)
        if value > 0x7FFFFFFF:
            self._sequence = itertools.count(2)
            value = 1
        return value

    async def request(self, command: str, timeout: float | None = None, **fields: Any) -> Any:
        """Send a request within the window and return its response PDU (any command_status)."""
        async with self._window:
            if self.closed.is_set() or self._writer is None:
                raise SessionClosed(self.close_reason or "not connected")
            sequence = self._next_sequence()
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._pending[sequence] = future
            try:
                self._writer.write(pdu.make(command, sequence, **fields))
                if not await self.clock.wait(future, timeout or self.config.response_timeout):
                    raise ResponseTimeout(f"{command} #{sequence} not answered")
                return future.result()
            finally:
                self._pending.pop(sequence, None)

    def respond(self, command: str, sequence: int, status: int = pdu.ROK, **fields: Any) -> None:
        if self._writer is not None and not self.closed.is_set():
            self._writer.write(pdu.make(command, sequence, status, **fields))
            self._answered[sequence] = command
            if len(self._answered) > ANSWERED_KEPT:
                self._answered.popitem(last=False)

    @property
    def outstanding(self) -> int:
        return len(self._pending)

    # --- reading ---------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self._reader is not None
        try:
            while True:
                data = await pdu.read_pdu(self._reader)
                self._last_heard = self.clock.monotonic()
                self._received(data)
        except asyncio.CancelledError:
            raise
        except asyncio.IncompleteReadError:
            self.abort("connection closed by the SMSC")
        except pdu.PduError as exc:
            log.warning("%s: %s; dropping the connection", self.label, exc)
            self.abort(f"garbage on the socket: {exc}")
        except OSError as exc:
            self.abort(f"connection lost: {exc}")

    def _received(self, data: bytes) -> None:
        _length, command_id, status, sequence = pdu.header(data)
        if command_id == pdu.GENERIC_NACK:
            self._generic_nack(sequence, status)
        elif command_id & pdu.RESPONSE_BIT:
            future = self._pending.get(sequence)
            if future is None or future.done():
                log.info("%s: response 0x%08X for unknown sequence %d ignored", self.label, command_id, sequence)
                return
            try:
                future.set_result(pdu.decode(data))
            except pdu.PduError as exc:
                future.set_exception(exc)
        else:
            self._request(command_id, sequence, data)

    def _generic_nack(self, sequence: int, status: int) -> None:
        future = self._pending.get(sequence)
        if future is not None and not future.done():
            log.warning("%s: generic_nack 0x%02X for request #%d", self.label, status, sequence)
            future.set_exception(pdu.PduError(f"generic_nack 0x{status:02X}"))
            return
        answered = self._answered.get(sequence)
        if answered is not None:  # the SMSC refused one of our responses: it will send its request again
            log.warning("%s: the SMSC refused our %s #%d with generic_nack 0x%02X", self.label, answered, sequence, status)
            return
        log.warning("%s: generic_nack for unknown sequence %d: the stream is out of step", self.label, sequence)
        self.abort("generic_nack for an unknown request")

    def _request(self, command_id: int, sequence: int, data: bytes) -> None:
        if command_id == 0x15:  # enquire_link
            self.respond("enquire_link_resp", sequence)
        elif command_id == 0x06:  # unbind
            self.respond("unbind_resp", sequence)
            self.abort("unbound by the SMSC")
        elif command_id == 0x05 and self.on_deliver is not None:  # deliver_sm
            try:
                message = pdu.decode(data)
            except pdu.PduError as exc:
                log.warning("%s: undecodable deliver_sm #%d: %s", self.label, sequence, exc)
                self.respond("generic_nack", sequence, pdu.RINVCMDLEN)
                return
            task = asyncio.create_task(self.on_deliver(self, message))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        else:
            log.info("%s: unsupported command 0x%08X answered with generic_nack", self.label, command_id)
            self.respond("generic_nack", sequence, pdu.RINVCMDID)

    async def _keep_alive(self) -> None:
        interval = self.config.enquire_link_interval
        while not self.closed.is_set():
            idle = self.clock.monotonic() - self._last_heard
            if idle < interval:
                await self.clock.sleep(interval - idle)
                continue
            try:
                await self.request("enquire_link")
            except ResponseTimeout:
                log.warning("%s: enquire_link unanswered; dropping the connection", self.label)
                self.abort("enquire_link unanswered")
                return
            except (SessionClosed, pdu.PduError):
                return
