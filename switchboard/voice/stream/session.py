"""One audio stream: the WebSocket to the application's server and everything that flows on it.

Switchboard is the WebSocket client. It dials the service URL (the upgrade request signed with
``X-Plivo-Signature-V3`` like a webhook, see :func:`signature_headers`), trying twice more when the
connection fails, sends ``start``, then a ``media`` message every 20 ms per track, ``dtmf`` when
the caller presses a key, and on a bidirectional stream plays what the application sends
(``player.py``). It closes the socket when the call ends, the stream is stopped (API, timeout) or
the application closes it, and tells ``statusCallbackUrl``.

While a stream is connected the simulated network's virtual clock runs at real time
(``Clock.busy``): the application on the other end lives in real time.

Whatever the application does wrong is logged (the debug log, at most :data:`MAX_PROBLEMS`
entries per stream) and the stream goes on; what it sends is bounded (one message ≤ 64 KB is
read, the playback queue holds 60 s), and what it does not read is buffered up to
:data:`MAX_BUFFER_SECONDS` before the stream is dropped, so a slow or stuck server costs one
stream, not the node.
"""

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.protocol import State

from switchboard.billing.rating import rate_stream
from switchboard.core.ids import new_uuid
from switchboard.network.channel import first_of, resolve
from switchboard.voice.call import LiveCall
from switchboard.voice.stream import formats, protocol
from switchboard.voice.stream.capture import FRAME_SECONDS, Capture
from switchboard.voice.stream.player import Player, QueueFull
from switchboard.voice.stream.ticker import Pump
from switchboard.webhooks.signing import new_nonce, signature_v3

if TYPE_CHECKING:
    from switchboard.voice.stream.service import Streams

log = logging.getLogger("switchboard.stream")
CONNECT_ATTEMPTS = 3  # the first and two retries
CONNECT_TIMEOUT = 5.0
RETRY_DELAY = 1.0
CLOSE_TIMEOUT = 2.0
MAX_BUFFER_SECONDS = 40.0
DEGRADED_AT = (0.3, 0.6, 0.9)
MAX_PROBLEMS = 10
DIRECT_WRITE_LIMIT = 64 * 1024  # bytes waiting in the socket's write buffer before messages queue
MAX_CATCH_UP = 10  # frames sent at once per track after the loop fell behind; older ones are skipped
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@dataclass
class StreamOptions:
    """The element's attributes (or the API's parameters), checked."""

    service_url: str
    bidirectional: bool = False
    audio_track: str = "inbound"  # inbound | outbound | both
    stream_timeout: int = 86_400
    status_callback_url: str = ""
    status_callback_method: str = "POST"
    content_type: str = formats.DEFAULT_CONTENT_TYPE
    extra_headers: str = ""
    keep_call_alive: bool = False
    noise_cancellation: bool = False
    noise_cancellation_level: int = 85

    @property
    def tracks(self) -> list[str]:
        return ["inbound", "outbound"] if self.audio_track == "both" else [self.audio_track]

    @property
    def format(self) -> formats.Format:
        return formats.parse(self.content_type)


def signed_urls(service_url: str) -> tuple[str, ...]:
    """The URLs the upgrade request is signed for. Plivo's exact string is not public and its
    SDKs disagree: the Node SDK checks ``http(s)://host/path`` (``wss`` → ``https``), the Python
    SDK ``http://host/path`` + ``/websocket``. Both signatures go in the header, comma-separated
    (every Plivo validator accepts a list)."""
    scheme, _, rest = service_url.partition("://")
    return (f"{'https' if scheme == 'wss' else 'http'}://{rest}", f"http://{rest}/websocket")


def signature_headers(service_url: str, token: str) -> dict[str, str]:
    nonce = new_nonce()
    signatures = [signature_v3("GET", url, {}, nonce, token) for url in signed_urls(service_url)]
    return {"X-Plivo-Signature-V3": ",".join(signatures), "X-Plivo-Signature-V3-Nonce": nonce}


def extra_header_pairs(extra_headers: str) -> dict[str, str]:
    """``extraHeaders`` (``k=v,k2=v2`` or ``k=v;k2=v2``) as handshake headers; pairs that are not
    a usable header are left to the ``extra_headers`` field of the messages."""
    pairs: dict[str, str] = {}
    for part in re.split(r"[,;]", extra_headers):
        key, sep, value = part.partition("=")
        if sep and _HEADER_NAME.match(key.strip()) and value.strip().isprintable():
            pairs[key.strip()] = value.strip()
    return pairs


class StreamSession:
    def __init__(self, streams: "Streams", call: LiveCall, options: StreamOptions):
        self.streams, self.call, self.options = streams, call, options
        self.engine = streams.engine
        self.clock = self.engine.clock
        self.format = options.format
        self.stream_id = new_uuid()
        self.status = "initiated"
        self.created_at: datetime = self.clock.now()
        self.start_time: datetime | None = None
        self.end_time: datetime | None = None
        self.reason = ""
        self.started_at: float | None = None
        self.ended_at: float | None = None
        loop = asyncio.get_running_loop()
        self.ended: asyncio.Future[None] = loop.create_future()
        self._stop: asyncio.Future[None] = loop.create_future()
        self._out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._sequence = 0
        self._limit = int(MAX_BUFFER_SECONDS / FRAME_SECONDS) * len(options.tracks) + 100
        self._degraded = 0
        self._overflow: asyncio.Future[None] = loop.create_future()
        self._problems = 0
        self._digits_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.player: Player | None = None

    @property
    def is_active(self) -> bool:
        return not self.ended.done()

    @property
    def seconds(self) -> float:
        if self.started_at is None:
            return 0.0
        end = self.ended_at if self.ended_at is not None else self.clock.monotonic()
        return max(0.0, end - self.started_at)

    def billed_amount(self) -> Decimal:
        """What the stream costs so far (``[stream] rate`` per started minute)."""
        return rate_stream(int(round(self.seconds)))[1]

    def stop(self, reason: str = "API request") -> None:
        if not self._stop.done():
            self.reason = reason
            resolve(self._stop)

    # --- the life of the stream ------------------------------------------------------------

    async def run(self) -> None:
        try:
            with self.clock.busy():
                await self._run()
        except asyncio.CancelledError:
            self.reason = self.reason or "Call hangup"
            raise
        except Exception:
            log.exception("stream %s of call %s failed", self.stream_id, self.call.call_uuid)
            self.reason = self.reason or "Internal error"
        finally:
            if self.ended_at is None:
                self.ended_at = self.clock.monotonic()
            self.end_time = self.clock.now()
            if self.status != "failed":
                self.status = "completed"
            resolve(self.ended)
            self.streams.ended(self)

    async def _run(self) -> None:
        ws = await self._connect()
        if ws is None:
            self.status, self.reason = "failed", "Connection error"
            await self._callback("DroppedStream", "failed", "connection_failed")
            return
        self.status = "in-progress"
        self.start_time, self.started_at = self.clock.now(), self.clock.monotonic()
        await self._callback("StartStream", "started", "")
        try:
            dropped = await self._stream(ws)
        finally:
            self.ended_at = self.clock.monotonic()
            self.streams.engine.spawn(self.streams.charge(self), f"stream-charge-{self.stream_id}")
        duration = int(round(self.seconds))
        if dropped:
            await self._callback("DroppedStream", "failed", dropped, Duration=duration)
        else:
            await self._callback("StopStream", "stopped", "completed", Duration=duration)

    async def _connect(self) -> ClientConnection | None:
        url = self.options.service_url
        headers = {**extra_header_pairs(self.options.extra_headers),
                   **signature_headers(url, await self.streams.signing_token(self.call.owner))}
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            if self._stop.done() or not self._leg_up():
                return None
            try:
                with self.clock.busy():
                    return await websockets.connect(url, additional_headers=headers, open_timeout=CONNECT_TIMEOUT,
                                                    close_timeout=CLOSE_TIMEOUT, max_size=protocol.MAX_FRAME_BYTES,
                                                    compression=None, user_agent_header="Switchboard")
            except Exception as exc:  # refused, unreachable, timed out, not a WebSocket server, TLS
                self.problem(f"connecting to {url} failed (attempt {attempt} of {CONNECT_ATTEMPTS}): "
                             f"{type(exc).__name__}: {exc}")
            if attempt < CONNECT_ATTEMPTS:
                with self.clock.busy():
                    await self.clock.wait(first_of(self._stop, self._leg_ended()), RETRY_DELAY)
        return None

    def _leg_up(self) -> bool:
        return self.call.leg is not None and self.call.leg.is_up

    def _leg_ended(self) -> "asyncio.Future[Any]":
        assert self.call.leg is not None
        return self.call.leg.ended

    async def _stream(self, ws: ClientConnection) -> str:
        """Run the connected stream until it ends; the reason it was dropped, or "" when it ended
        normally (call over, stopped, timed out, closed by the application)."""
        leg = self.call.leg
        assert leg is not None
        options = self.options
        self._ws = ws
        self._send(protocol.start(self.call.call_uuid, self.stream_id, self.call.owner, options.tracks, self.format,
                                  options.extra_headers))
        capture = Capture(leg, tuple(options.tracks), self.engine.audio.content, self._digits)
        with self.clock.busy():
            capture.start(self.clock.monotonic())
            sender = self._spawn(self._sender(ws), "sender")
            receiver = self._spawn(self._receiver(ws), "receiver")
            ticker = self.streams.ticker
            pump_id = ticker.add(self._pump(capture, ticker.next_tick()))
            if options.bidirectional:
                self.player = Player(leg, self.clock, self._played)
                self._spawn(self.player.run(), "player")
            until = first_of(leg.ended, self._stop, sender, receiver, self._overflow)
            try:
                await self.clock.wait(until, options.stream_timeout)
            finally:
                until.cancel()
                ticker.remove(pump_id)
                capture.stop()
                for task in self._tasks:
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
                await ws.close()
                self._release()
        if capture.skipped:
            self.problem(f"{capture.skipped} media events were not streamed (too many at once)")
        return self._outcome(leg.ended.done(), sender, receiver)

    def _release(self) -> None:
        """Drop what the ended stream still holds (queued audio, unsent messages): an ended stream
        stays readable for a while and must not keep its buffers."""
        if self.player is not None:
            self.player.clear()
        self.player = None
        self._out = asyncio.Queue()
        self._ws = None
        self._tasks.clear()

    def _outcome(self, call_over: bool, sender: "asyncio.Task[None]", receiver: "asyncio.Task[None]") -> str:
        if self._overflow.done():
            self.reason = "Stream buffer full"
            return "buffer_full"
        if call_over:
            self.reason = self.reason or "Call hangup"
            return ""
        if self._stop.done():
            return ""
        for task in (receiver, sender):
            if task.done() and not task.cancelled():
                error = task.exception()
                if error is None:
                    self.reason = "Stream closed"  # the application closed the socket
                    return ""
                self.reason = "Connection error"
                self.problem(f"the connection to {self.options.service_url} broke: {type(error).__name__}: {error}")
                return "disconnected"
        self.reason = "Stream timeout"
        return ""

    def _spawn(self, coroutine: Any, what: str) -> "asyncio.Task[None]":
        task = asyncio.create_task(coroutine, name=f"stream-{what}-{self.stream_id}")
        self._tasks.add(task)
        return task

    # --- to the application ----------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        """Queue a message; a server that reads nothing for :data:`MAX_BUFFER_SECONDS` is dropped,
        with ``DegradedStream`` at 30, 60 and 90 % of that."""
        if self._write_now(message):
            return
        self._out.put_nowait(message)
        size = self._out.qsize()
        while self._degraded < len(DEGRADED_AT) and size >= DEGRADED_AT[self._degraded] * self._limit:
            percent = int(DEGRADED_AT[self._degraded] * 100)
            self._degraded += 1
            self.problem(f"the application reads too slowly: {percent} % of the stream buffer is used")
            self.engine.spawn(self._callback("DegradedStream", "degraded", f"buffer_{percent}_percent"),
                              f"stream-degraded-{self.stream_id}")
        if size >= self._limit:
            resolve(self._overflow)

    def _write_now(self, message: dict[str, Any]) -> bool:
        """Write ``message`` to the socket at once when nothing is queued before it and the
        socket keeps up (its write buffer under :data:`DIRECT_WRITE_LIMIT`): no task wake-up per
        frame. Otherwise False, and the message waits in the queue for :meth:`_sender`."""
        ws = self._ws
        if ws is None or self._out.qsize() or ws.protocol.state is not State.OPEN \
                or ws.transport.get_write_buffer_size() > DIRECT_WRITE_LIMIT:
            return False
        self._sequence += 1
        message["sequenceNumber"] = self._sequence
        ws.protocol.send_text(orjson.dumps(message))
        ws.send_data()
        return True

    async def _sender(self, ws: ClientConnection) -> None:
        while True:
            message = await self._out.get()
            self._sequence += 1
            message["sequenceNumber"] = self._sequence
            await ws.send(orjson.dumps(message).decode())

    def _pump(self, capture: Capture, origin: float) -> Pump:
        """What the node's :class:`Ticker` calls every 20 ms: a frame per track for each 20 ms
        gone by since ``origin`` (frames missed while the loop was busy are caught up, at most
        :data:`MAX_CATCH_UP` at once)."""
        encoders = {track: formats.Encoder(self.format) for track in capture.tracks}
        chunks = dict.fromkeys(capture.tracks, 0)
        wall = self.clock.now().timestamp() - self.clock.monotonic()
        extra_headers, stream_id, tracks = self.options.extra_headers, self.stream_id, capture.tracks.items()
        sent = 0

        def pump(now: float) -> None:
            nonlocal sent
            due = int((now - origin) / FRAME_SECONDS + 1e-6)
            if due - sent > MAX_CATCH_UP:
                sent = due - MAX_CATCH_UP
            while sent < due:
                at = origin + sent * FRAME_SECONDS
                stamp = int((wall + at) * 1000)
                for track, source in tracks:
                    chunks[track] += 1
                    payload = encoders[track].encode(source.take(at))
                    self._send(protocol.media(stream_id, track, stamp, chunks[track], payload, extra_headers))
                sent += 1

        return pump

    def _digits(self, digits: str, at: float) -> None:
        stamp = self.clock.now()
        for digit in digits:
            if digit.upper() in "0123456789*#ABCD":
                self._send(protocol.dtmf(self.stream_id, digit.upper(), stamp, self.options.extra_headers))

    def _played(self, name: str) -> None:
        self._send(protocol.played_stream(self.stream_id, name))

    # --- from the application --------------------------------------------------------------

    async def _receiver(self, ws: ClientConnection) -> None:
        """Read until the application closes the socket (returns) or the connection breaks (raises)."""
        ignored_one_way = False
        try:
            async for message in ws:
                try:
                    command = protocol.parse(message)
                except protocol.BadMessage as exc:
                    self.problem(f"message from the application ignored: {exc}")
                    continue
                if self.player is None:
                    if not ignored_one_way:
                        ignored_one_way = True
                        self.problem(f"{type(command).__name__} ignored: the stream is not bidirectional")
                    continue
                self._act(command)
        except websockets.ConnectionClosedOK:
            return

    def _act(self, command: protocol.Command) -> None:
        assert self.player is not None
        if isinstance(command, protocol.PlayAudio):
            try:
                self.player.queue(command.pcm)
            except QueueFull as exc:
                self.problem(f"playAudio refused: {exc}")
        elif isinstance(command, protocol.Checkpoint):
            self.player.checkpoint(command.name)
        elif isinstance(command, protocol.ClearAudio):
            self.player.clear()
            self._send(protocol.cleared_audio(self.stream_id))
        elif isinstance(command, protocol.SendDigits):
            self._spawn(self._send_digits(command.digits), "dtmf")

    async def _send_digits(self, digits: str) -> None:
        leg = self.call.leg
        assert leg is not None
        async with self._digits_lock:
            await leg.send_digits(digits)

    # --- reporting -------------------------------------------------------------------------

    def problem(self, error: str) -> None:
        """A debug-log entry for the call (the first :data:`MAX_PROBLEMS` of the stream)."""
        self._problems += 1
        if self._problems > MAX_PROBLEMS + 1:
            return
        if self._problems == MAX_PROBLEMS + 1:
            error = "further problems of this stream are not logged"
        self.engine.debug_log(self.call, "", self.options.service_url, "GET", f"stream {self.stream_id}: {error}")

    async def _callback(self, event: str, status: str, reason: str, **extra: Any) -> None:
        options = self.options
        if not options.status_callback_url:
            return
        call = self.call
        params: dict[str, Any] = {
            "Event": event, "Status": status, "StatusReason": reason, "CallUUID": call.call_uuid,
            "StreamID": self.stream_id, "From": call.from_, "To": call.to, "Direction": call.direction,
            "Timestamp": self.clock.now().isoformat(timespec="seconds"), "ServiceURL": options.service_url,
            "bidirectional": str(options.bidirectional).lower(), "audioTrack": options.audio_track,
            "streamTimeout": str(options.stream_timeout), "contentType": options.content_type,
            "extraHeaders": options.extra_headers, "keepCallAlive": str(options.keep_call_alive).lower(),
            **{key: str(value) for key, value in extra.items()},
        }
        try:
            await self.engine.notify(call, options.status_callback_url, params, options.status_callback_method,
                                     f"stream.{status}")
        except Exception:
            log.exception("stream %s: status callback %s not stored", self.stream_id, event)

