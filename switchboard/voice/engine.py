"""The call engine: places outbound calls, accepts inbound ones, runs their documents, and ends
them with Plivo's causes, callbacks and call records. It drives legs only through
``switchboard.network.channel``; ``app.state.voice`` is the running engine.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pydantic
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.accounts.auth import AuthContext, CredentialCache
from switchboard.billing.balances import Balances
from switchboard.core.clock import Clock
from switchboard.core.errors import PlivoError
from switchboard.core.params import describe
from switchboard.network.channel import CallLeg, Network, OriginateRequest, wait_any
from switchboard.voice import causes
from switchboard.voice.audio import AudioFetcher
from switchboard.voice.call import CallOptions, LiveCall
from switchboard.voice.causes import Cause
from switchboard.voice.conference.room import Conferences
from switchboard.voice.credit import may_start, watch_credit
from switchboard.voice.interpreter import Interpreter
from switchboard.voice.machine import is_machine
from switchboard.voice.pace import DEFAULT_OUTBOUND_CPS, OutboundPace
from switchboard.voice.records import RecordWriter
from switchboard.voice.stream.service import Streams
from switchboard.numbers.service import number_for_routing
from switchboard.voice.routing import route_inbound
from switchboard.webhooks.service import Webhooks

log = logging.getLogger("switchboard.voice")
RECORD_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15, 30, 30, 30)  # seconds between attempts to store a call's end
ACCEPT_RETRY_DELAYS = (0.1, 0.25, 0.5, 1, 2, 4, 8)  # an inbound caller waits ~16 s at most (SIP Timer B: 32 s)
T = TypeVar("T")


class VoiceEngine:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, webhooks: Webhooks,
                 network: Network, credentials: CredentialCache, messaging: Callable[[], Any] = lambda: None,
                 outbound_cps: int = DEFAULT_OUTBOUND_CPS, balances: Balances | None = None):
        self.sessionmaker, self.clock, self.webhooks, self.network = sessionmaker, clock, webhooks, network
        self.balances = balances or Balances()
        self.pace = OutboundPace(clock, outbound_cps)
        self.credentials = credentials
        self.messaging = messaging
        self.audio = AudioFetcher(clock)
        self.records = RecordWriter(sessionmaker)
        self.live: dict[str, LiveCall] = {}
        self.requests: dict[str, LiveCall] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self.conferences = Conferences(self)
        self.streams = Streams(self)
        network.on_incoming = self.incoming
        network.local_destination = self._is_own_number

    def spawn(self, coroutine: Any, name: str) -> "asyncio.Task[Any]":
        task = asyncio.create_task(coroutine, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def stop(self) -> None:
        """Shut down: every live call ends (5010, source Plivo) with its record completed and its
        hangup callback stored, so no call record is left open."""
        calls = list(self.live.values())
        for call in calls:
            if call.task is not None and call.task is not asyncio.current_task():
                call.task.cancel()
        await asyncio.gather(*(c.task for c in calls if c.task is not None), return_exceptions=True)
        for call in calls:
            await self.finish(call, causes.INTERNAL_ERROR, causes.PLIVO)
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.audio.aclose()

    async def notify(self, call: LiveCall, url: str, params: dict[str, Any], method: str, event: str) -> None:
        """An event callback about ``call`` (durable; the call waits only for it to be stored)."""
        with self.clock.busy():
            await self.webhooks.notify(url, params, account=call.owner, method=method, event=event)

    # --- outbound ------------------------------------------------------------------------------

    async def originate(self, calls: list[LiveCall]) -> None:
        """Record ``calls`` (durably, before the API answers) and start placing them, each when the
        account's calls-per-second limit lets it (until then it is ``queued``)."""
        await self.records.insert(calls)
        for call in calls:
            self._register(call)
            call.starts_at, call.queued_for = self.pace.reserve(call.account_id)
            call.task = asyncio.create_task(self._outbound(call), name=f"call-{call.call_uuid}")

    def _register(self, call: LiveCall) -> None:
        call.finished = asyncio.get_running_loop().create_future()
        self.live[call.call_uuid] = call
        self.requests[call.request_uuid] = call

    async def _outbound(self, call: LiveCall) -> None:
        assert call.finished is not None
        if call.queued_for > 0 and await self.clock.wait(call.finished, call.queued_for):
            self.pace.release(call.account_id, call.starts_at)  # cancelled while queued: its slot is free again
            return
        call.status = "ringing"  # dispatched: no longer waiting for capacity
        try:
            if not await may_start(self, call):
                await self.finish(call, causes.OUT_OF_CREDITS, causes.PLIVO)
                return
            leg = await self.network.originate(OriginateRequest(call.to, call.from_, call.caller_name,
                                                                call.options.sip_headers, call.call_uuid,
                                                                call.account_id))
            call.leg = leg
            call.session_start = self.clock.now()
            if not call.is_live:
                await leg.hangup("cancel")
                return
            if not await self._until_answer(call, leg):
                return
            self.mark_answered(call)
            self.schedule_hangup(call, call.options.time_limit, causes.SCHEDULED_HANGUP, causes.PLIVO)
            if call.options.send_digits and not call.options.send_on_preanswer:
                self.spawn(leg.send_digits(call.options.send_digits), f"digits-{call.call_uuid}")
            if call.options.machine_detection:
                if call.urls.machine_detection_url:
                    self.spawn(self._async_machine_detection(call, leg), f"amd-{call.call_uuid}")
                else:
                    call.machine = await is_machine(leg, call.options)
                    if call.machine and call.options.machine_detection == "hangup":
                        await self.finish(call, causes.MACHINE_DETECTED, causes.PLIVO)
                        return
            await self._run_documents(call, call.urls.answer_url, call.urls.answer_method, "answer")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call %s failed", call.call_uuid)
            await self.finish(call, causes.INTERNAL_ERROR, causes.ERROR)

    async def _until_answer(self, call: LiveCall, leg: CallLeg) -> bool:
        """Wait for the callee, honouring ring_timeout and hangup_on_ring; False if the call ended."""
        options = call.options
        deadline = self.clock.monotonic() + options.ring_timeout
        await wait_any(self.clock, (leg.ringing, leg.early_media, leg.answered, leg.ended), options.ring_timeout)
        cutoff = deadline
        if (leg.ringing.done() or leg.early_media.done()) and not leg.ended.done():  # 180 or straight to 183
            if not leg.answered.done():
                call.status = "ringing"
            if call.urls.ring_url:
                await self.notify(call, call.urls.ring_url, {
                    "To": call.to, "From": call.from_, "CallUUID": call.call_uuid, "RequestUUID": call.request_uuid,
                    "Direction": "outbound", "CallStatus": "ringing", "Event": "Ring",
                }, call.urls.ring_method, "call.ring")
            if options.hangup_on_ring is not None:
                cutoff = min(cutoff, self.clock.monotonic() + options.hangup_on_ring)
        if options.send_digits and options.send_on_preanswer:
            self.spawn(self._digits_on_early_media(call, leg), f"digits-{call.call_uuid}")
        await wait_any(self.clock, (leg.answered, leg.ended), max(0.0, cutoff - self.clock.monotonic()))
        if leg.answered.done() and not leg.ended.done():
            return True
        if leg.ended.done():
            await self.finish(call, *self._far_end(call, leg, causes.CALLEE))
        elif cutoff < deadline:
            await self.finish(call, causes.CANCELED, causes.PLIVO)
        else:
            await self.finish(call, causes.RING_TIMEOUT, causes.PLIVO)
        return False

    async def _digits_on_early_media(self, call: LiveCall, leg: CallLeg) -> None:
        await wait_any(self.clock, (leg.early_media, leg.answered, leg.ended), None)
        if leg.is_up:
            await leg.send_digits(call.options.send_digits)

    async def _async_machine_detection(self, call: LiveCall, leg: CallLeg) -> None:
        """With ``machine_detection_url`` the call goes on while the far end is listened to; the
        result is posted there (``IfMachine``), and ``hangup`` then ends a machine's call (9100)."""
        call.machine = await is_machine(leg, call.options)
        hang_up = call.options.machine_detection == "hangup"
        if not call.is_live:
            return
        await self.notify(call, call.urls.machine_detection_url, {
            "From": call.from_, "To": call.to, "Machine": "true" if call.machine else "false",
            "RequestUUID": call.request_uuid, "ALegRequestUUID": call.request_uuid, "CallUUID": call.call_uuid,
            "ALegUUID": call.call_uuid, "IfMachine": "hangup" if hang_up else "continue", "Direction": "outbound",
            "Event": "MachineDetection", "CallStatus": "in-progress",
        }, call.urls.machine_detection_method, "call.machine_detection")
        if call.machine and hang_up:
            await self.finish(call, causes.MACHINE_DETECTED, causes.PLIVO)

    async def _is_own_number(self, destination: str) -> bool:
        with self.clock.busy():
            async with self.sessionmaker() as session:
                number = await number_for_routing(session, destination)
        return number is not None and number.voice_enabled

    # --- inbound -------------------------------------------------------------------------------

    async def incoming(self, leg: CallLeg) -> None:
        """A call arrives from the network: route it, ring, and run its application. A database
        that is busy for a moment (a locked SQLite file, an exhausted pool) is waited out while
        the caller is still there: a call is never refused for a transient failure."""
        try:
            accepted = await self._retrying(f"accepting inbound call {leg.uuid}", lambda: self._accept(leg),
                                            ACCEPT_RETRY_DELAYS, until=lambda: not leg.is_up)
            if accepted is None:
                if leg.is_up:
                    await leg.hangup("platform")
                return
            call, refusal = accepted
            if call is None:
                log.info("inbound call %s to %s: nobody here owns it", leg.uuid, leg.to)
                await leg.hangup("unallocated")
                return
            self._register(call)
            call.task = asyncio.current_task()
            if refusal is not None:
                self.debug_log(call, "", "", "", f"call to {leg.to} refused: no enabled application with an answer URL")
                await self.finish(call, refusal, causes.PLIVO, leg_reason="rejected")
                return
            if not await may_start(self, call):
                await self.finish(call, causes.OUT_OF_CREDITS, causes.PLIVO, leg_reason="rejected")
                return
            await leg.ring()
            await self._run_documents(call, call.urls.answer_url, call.urls.answer_method, "answer")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("inbound call %s failed", leg.uuid)
            call_ = self.live.get(leg.uuid)
            if call_ is not None:
                await self.finish(call_, causes.INTERNAL_ERROR, causes.ERROR)
            else:
                await leg.hangup("platform")

    async def _accept(self, leg: CallLeg) -> tuple[LiveCall | None, Cause | None]:
        """Route the call and write its record; (None, None): nobody here owns it."""
        with self.clock.busy():
            async with self.sessionmaker() as session:
                route = await route_inbound(session, leg.from_, leg.to, leg.application_id)
            if route is None:
                return None, None
            call = LiveCall(leg.uuid, leg.uuid, route.account_id, route.sub_account_id, "inbound", leg.from_, leg.to,
                            leg.caller_name, route.urls, CallOptions(sip_headers=dict(leg.custom_headers)), self.clock,
                            self.clock.now(), route.tariff, status="ringing", leg=leg,
                            forwarded_from=leg.forwarded_from, stir_attestation=leg.stir_attestation,
                            source_ip=leg.source_ip)
            await self.records.insert([call])
        return call, route.refusal

    async def answer(self, call: LiveCall) -> None:
        if call.leg is not None and not call.answered:
            await call.leg.answer()
            self.mark_answered(call)

    def mark_answered(self, call: LiveCall) -> None:
        """The call is answered: billing starts, and a prepaid account's credit is watched."""
        if not call.answered:
            call.mark_answered()
            self.spawn(watch_credit(self, call), f"credit-{call.call_uuid}")

    # --- running documents ---------------------------------------------------------------------

    async def _run_documents(self, call: LiveCall, url: str, method: str, kind: str) -> None:
        """Run the call's documents until it ends; a transfer replaces the running document."""
        leg = call.leg
        assert leg is not None
        target: tuple[str, str, str] | None = (url, method, kind)
        while target is not None and call.is_live:
            call.document_task = asyncio.create_task(Interpreter(self, call).run(*target), name=f"xml-{call.call_uuid}")
            await asyncio.wait([call.document_task, leg.ended], return_when=asyncio.FIRST_COMPLETED)
            target = None
            failed = call.document_task.done() and not call.document_task.cancelled() and call.document_task.exception()
            if failed:
                log.error("call %s: running its XML failed", call.call_uuid, exc_info=failed)
                await self.finish(call, causes.INTERNAL_ERROR, causes.ERROR)
            elif call.pending_transfer is not None:
                await asyncio.gather(call.document_task, return_exceptions=True)
                transfer_url, transfer_method = call.pending_transfer
                call.pending_transfer = None
                target = (transfer_url, transfer_method, "transfer")
            elif leg.ended.done() and call.is_live:
                party = causes.CALLER if call.direction == "inbound" else causes.CALLEE
                await self.finish(call, *self._far_end(call, leg, party))
        if call.document_task is not None and not call.document_task.done():
            call.document_task.cancel()
            await asyncio.gather(call.document_task, return_exceptions=True)
        if call.is_live:
            await self.finish(call, causes.END_OF_XML, causes.PLIVO)

    def transfer(self, call: LiveCall, url: str, method: str) -> None:
        call.pending_transfer = (url, method)
        if call.document_task is not None:
            call.document_task.cancel()

    # --- ending --------------------------------------------------------------------------------

    def schedule_hangup(self, call: LiveCall, seconds: float, cause: Cause, source: str) -> None:
        async def later() -> None:
            assert call.finished is not None
            if not await self.clock.wait(call.finished, seconds):
                await self.finish(call, cause, source)

        self.spawn(later(), f"hangup-{call.call_uuid}")

    async def finish(self, call: LiveCall, cause: Cause, source: str, leg_reason: str | None = None) -> None:
        """End the call once: hang up its leg, then complete its record and send the hangup callback."""
        if not call.is_live:
            return
        if source == causes.ERROR:
            log.warning("call %s ends with %d %s (%s)", call.call_uuid, cause.code, cause.name,
                        "answered" if call.answered else "before answer")
        call.cause, call.hangup_source = cause, source
        duration, bill_duration, billed = call.durations()
        call.end_time = self.clock.now()
        call.status = call.final_status()
        self.live.pop(call.call_uuid, None)
        self.requests.pop(call.request_uuid, None)
        if call.finished is not None and not call.finished.done():
            call.finished.set_result(None)
        for task in call.overlays.values():
            task.cancel()
        if call.leg is not None and call.leg.is_up:
            await call.leg.hangup(leg_reason or ("busy" if cause is causes.BUSY else "platform"))
        self.spawn(self._record_end(call, duration, bill_duration, billed), f"cdr-{call.call_uuid}")

    async def _record_end(self, call: LiveCall, duration: int, bill_duration: int, billed: int) -> None:
        await self._retrying(f"completing the call record of {call.call_uuid}",
                             lambda: self.records.complete(call, duration, bill_duration, billed))
        if call.urls.hangup_url:
            params = call.hangup_params(duration, bill_duration, billed)
            await self._retrying(f"storing the hangup callback of {call.call_uuid}", lambda: self.webhooks.notify(
                call.urls.hangup_url, params, account=call.owner, method=call.urls.hangup_method, event="call.hangup"))

    async def _retrying(self, what: str, attempt: Callable[[], Awaitable[T]],
                        delays: tuple[float, ...] = RECORD_RETRY_DELAYS, until: Callable[[], bool] = lambda: False) -> T | None:
        """Run ``attempt`` until it succeeds, backing off: a database that is busy for a while (a
        locked SQLite file, an exhausted pool) must not leave a call record open, lose a callback
        or refuse a call. None when it never succeeded (or ``until`` said to stop waiting)."""
        for delay in (*delays, None):
            try:
                return await attempt()
            except Exception:
                if delay is None:
                    log.exception("%s failed; giving up after %d attempts", what, len(delays) + 1)
                    return None
                log.warning("%s failed; trying again in %g s", what, delay, exc_info=True)
                await self.clock.sleep(delay)
                if until():
                    return None
        return None

    # --- other areas ---------------------------------------------------------------------------

    async def send_message(self, call: LiveCall, params: dict[str, Any]) -> str | None:
        """``<Message>``: queue a message as the call's (sub)account would with ``POST Message/``;
        returns why it was refused, or None."""
        from switchboard.messaging.schemas import MessageSend
        from switchboard.messaging.service import send

        owner = await self.credentials.get(call.owner)
        if owner is None:
            return f"account {call.owner} no longer exists"
        try:
            message = MessageSend.model_validate(params)
            with self.clock.busy():
                async with self.sessionmaker() as session:
                    await send(session, self.clock, self.messaging(), AuthContext(owner, owner), message, "")
        except PlivoError as exc:
            return exc.message
        except pydantic.ValidationError as exc:
            return describe(exc.errors(include_url=False))
        return None

    # --- the debug log -------------------------------------------------------------------------

    def _far_end(self, call: LiveCall, leg: CallLeg, party: str) -> tuple[Cause, str]:
        """The cause of a leg that ended on its own; what the network saw goes to the debug log."""
        ended = leg.ended.result()
        if ended.detail:
            self.debug_log(call, "", "", "", f"call {leg.uuid} ended ({ended.reason}): {ended.detail}")
        return causes.far_end(ended.reason, party)

    def debug_log(self, call: LiveCall, request_id: str, url: str, method: str, error: str) -> None:
        """An entry in the customer's webhook debug log about the call's XML (kind ``xml``)."""
        log.info("call %s: %s", call.call_uuid, error)
        self.webhooks.record_problem(account_id=call.account_id, owner_auth_id=call.owner, kind="xml", event="call.xml",
                                     request_id=request_id, url=url, method=method, params={"CallUUID": call.call_uuid},
                                     error=error)
