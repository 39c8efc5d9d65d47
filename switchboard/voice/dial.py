"""``<Dial>``: ring every ``Number``/``User`` child at once, bridge the A-leg with the first B-leg
to answer (and to pass ``confirmKey``), and report it as Plivo does.

Each B-leg is a call of its own (a ``LiveCall`` with ``parent_call_uuid`` = the A-leg, a call
record, in the live-call list, hung up by ``DELETE Call/{uuid}/``), but without URLs: what happens
to it goes to the Dial's ``callbackUrl`` (``DialAction`` answer, connected, digits, hangup). The
losers of the race end with 9000 Lost Race. The Dial blocks until the bridge ends (either side
hangs up, ``hangupOnStar``, ``timeLimit``, a transfer); then ``action`` gets ``DialStatus``,
``DialRingStatus``, ``DialHangupCause``, ``DialALegUUID`` and ``DialBLegUUID``. A destination
that is one of the platform's own numbers loops back in and runs that number's application.
"""

import asyncio
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from switchboard.core.errors import ValidationError
from switchboard.core.ids import new_uuid
from switchboard.endpoints.service import endpoint_by_username
from switchboard.network.channel import CallLeg, Interrupt, OriginateRequest, wait_any
from switchboard.billing.rating import NoRate, outbound_call_tariff
from switchboard.pricing.table import VoiceTariff, format_rate
from switchboard.voice import causes
from switchboard.voice.call import CallOptions, CallUrls, LiveCall
from switchboard.voice.causes import Cause
from switchboard.voice.credit import may_start
from switchboard.voice.document import Node
from switchboard.voice.prompts import fetch_prompts, sound_media
from switchboard.voice.recording.bridge import bridged, unbridged
from switchboard.voice.recording.service import Active

if TYPE_CHECKING:
    from switchboard.voice.interpreter import Interpreter

DEFAULT_RING_TIMEOUT = 120
FREE = VoiceTariff(Decimal("0"))  # endpoints, and legs that never start
_SIP_URI = re.compile(r"^sip:([A-Za-z0-9_.+\-]+)@([A-Za-z0-9.\-]+)(:[0-9]+)?$")


@dataclass
class Attempt:
    """One B-leg being rung."""

    call: LiveCall
    node: Node
    position: int
    task: "asyncio.Task[None] | None" = None


@dataclass
class Bridge:
    """An A-leg bridged to a B-leg by Dial (``LiveCall.dial`` of both): a transfer of the B-leg
    detaches it (``detached``) instead of hanging it up."""

    a: LiveCall
    b: LiveCall
    detached: "asyncio.Future[tuple[str, str]]" = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


def dial_status(cause: Cause | None) -> str:
    """``DialStatus`` of a B-leg that did not connect."""
    if cause is None:
        return "failed"
    if cause.code in (causes.RING_TIMEOUT.code, causes.NO_ANSWER.code, causes.CONFIRM_FAILED.code):
        return "no-answer"
    if cause.code == causes.BUSY.code:
        return "busy"
    if cause.code == causes.REQUEST_TIMEOUT.code:
        return "timeout"
    if cause.code in (causes.CANCELED.code, causes.LOST_RACE.code):
        return "cancel"
    return "failed"


class Dial:
    def __init__(self, interp: "Interpreter", node: Node):
        self.interp, self.node = interp, node
        self.engine, self.call, self.clock = interp.engine, interp.call, interp.engine.clock
        self.won: asyncio.Future[Attempt] = asyncio.get_running_loop().create_future()
        self.rang = False

    @property
    def a_leg(self) -> CallLeg:
        assert self.call.leg is not None
        return self.call.leg

    # --- the B-legs ----------------------------------------------------------------------------

    async def _destination(self, child: Node) -> tuple[str, Cause | None, VoiceTariff]:
        body = child.text.strip()
        if child.name == "Number":
            number = re.split(r"[,|]", body, maxsplit=1)[0].strip().lstrip("+")
            if not re.fullmatch(r"[0-9]{3,20}", number):
                return body, causes.INVALID_DESTINATION, FREE
            try:
                return number, None, outbound_call_tariff(number)
            except NoRate as exc:
                self.engine.debug_log(self.call, "", "", "", f"<Dial> to {number} refused: {exc}")
                return body, causes.INVALID_DESTINATION, FREE
        found = _SIP_URI.match(body)
        if found is None:
            return body, causes.INVALID_DESTINATION, FREE
        with self.clock.busy():
            async with self.engine.sessionmaker() as session:
                endpoint = await endpoint_by_username(session, found.group(1))
        return body, None if endpoint is not None else causes.ENDPOINT_NOT_REGISTERED, FREE

    async def _attempts(self) -> list[tuple[Attempt, Cause | None]]:
        a, node = self.call, self.node
        made = []
        for position, child in enumerate(node.children, 1):
            to, problem, tariff = await self._destination(child)
            uuid = new_uuid()
            headers = {**node["sipHeaders"], **(child["sipHeaders"] if child.name == "User" else {})}
            b = LiveCall(uuid, uuid, a.account_id, a.sub_account_id, "outbound", node["callerId"] or a.from_, to,
                         node["callerName"] if node["callerName"] is not None else a.caller_name, CallUrls(),
                         CallOptions(time_limit=node["timeLimit"], ring_timeout=node["timeout"] or DEFAULT_RING_TIMEOUT,
                                     send_digits=child["sendDigits"], send_on_preanswer=child["sendOnPreanswer"],
                                     sip_headers=headers),
                         self.clock, self.clock.now(), tariff, parent_call_uuid=a.call_uuid)
            made.append((Attempt(b, child, position), problem))
        with self.clock.busy():
            await self.engine.records.insert([attempt.call for attempt, _ in made])
        return made

    async def _ring(self, attempt: Attempt) -> None:
        """Ring one B-leg; claim the race if it answers (and confirms) first."""
        engine, b = self.engine, attempt.call
        if not await may_start(engine, b):
            await engine.finish(b, causes.OUT_OF_CREDITS, causes.PLIVO)
            return
        leg = await engine.network.originate(OriginateRequest(b.to, b.from_, b.caller_name, b.options.sip_headers,
                                                              b.call_uuid, b.account_id))
        b.leg, b.session_start = leg, self.clock.now()
        if not b.is_live:
            await leg.hangup("cancel")
            return
        timeout = b.options.ring_timeout
        deadline = self.clock.monotonic() + timeout
        await wait_any(self.clock, (leg.ringing, leg.early_media, leg.answered, leg.ended), timeout)
        if leg.ringing.done() or leg.early_media.done():
            self.rang = True
            if not leg.answered.done():
                b.status = "ringing"
        if b.options.send_digits and b.options.send_on_preanswer:
            engine.spawn(self._digits_early(leg, b.options.send_digits), f"dial-digits-{b.call_uuid}")
        await wait_any(self.clock, (leg.answered, leg.ended), max(0.0, deadline - self.clock.monotonic()))
        if not leg.answered.done() or leg.ended.done():
            if leg.ended.done():
                await engine.finish(b, *causes.far_end(leg.ended.result().reason, causes.CALLEE))
            else:
                await engine.finish(b, causes.RING_TIMEOUT, causes.PLIVO)
            return
        self.rang = True
        engine.mark_answered(b)
        if self.won.done():
            await self._too_late(b)
            return
        if b.options.send_digits and not b.options.send_on_preanswer:
            engine.spawn(leg.send_digits(b.options.send_digits), f"dial-digits-{b.call_uuid}")
        if (self.node["confirmSound"] or self.node["confirmKey"]) and not await self._confirm(b, leg):
            if b.is_live:
                await engine.finish(b, causes.CONFIRM_FAILED, causes.PLIVO)
            return
        if self.won.done() or not leg.is_up:
            await self._too_late(b)
            return
        self.won.set_result(attempt)

    async def _too_late(self, b: LiveCall) -> None:
        """A B-leg that answered after the race was decided: 9000, or 1000 if the Dial gave up."""
        lost = self.won.done() and not self.won.cancelled()
        await self.engine.finish(b, causes.LOST_RACE if lost else causes.CANCELED, causes.PLIVO)

    async def _digits_early(self, leg: CallLeg, digits: str) -> None:
        await wait_any(self.clock, (leg.early_media, leg.answered, leg.ended), None)
        if leg.is_up:
            await leg.send_digits(digits)

    async def _confirm(self, b: LiveCall, leg: CallLeg) -> bool:
        """``confirmSound`` to the B-leg, then (with ``confirmKey``) that key within ``confirmTimeout``."""
        from switchboard.voice.interpreter import Interpreter

        key = self.node["confirmKey"]
        leg.flush_digits()
        if self.node["confirmSound"]:
            nodes, base = await fetch_prompts(self.engine, self.call, self.node["confirmSound"], "POST", "dial.confirm")
            player = Interpreter(self.engine, b)
            for prompt in nodes:
                if not await player.play_prompt(prompt, base, Interrupt(digits=bool(key))):
                    break  # a key (or the end of the leg) cut it short
        if not key:
            return leg.is_up
        deadline = self.clock.monotonic() + self.node["confirmTimeout"]
        while leg.is_up:
            digit = await leg.next_digit(max(0.0, deadline - self.clock.monotonic()))
            if digit is None:
                return False
            if digit == key:
                return True
        return False

    # --- the A-leg -----------------------------------------------------------------------------

    async def _music(self) -> None:
        """``dialMusic``: the URL's prompts, looped on the A-leg until the Dial connects or fails."""
        media = await sound_media(self.engine, self.call, self.node["dialMusic"], "POST", "dial.music")
        while media and self.a_leg.is_up:
            for item in media:
                await self.a_leg.play(item)

    async def run(self) -> dict[str, Any] | None:
        """Ring, bridge, and return the action parameters (None if the A-leg is gone)."""
        a = self.call
        attempts: list[Attempt] = []
        music = None
        winner: Attempt | None = None
        try:
            for attempt, problem in await self._attempts():
                self.engine._register(attempt.call)
                attempts.append(attempt)
                if problem is not None:
                    await self.engine.finish(attempt.call, problem, causes.PLIVO)
                else:
                    attempt.task = asyncio.create_task(self._ring(attempt), name=f"dial-{attempt.call.call_uuid}")
            if self.node["dialMusic"] and self.node["dialMusic"] != "real":
                if not a.answered:
                    await self.a_leg.pre_answer()
                music = asyncio.create_task(self._music(), name=f"dial-music-{a.call_uuid}")
            ringing = [attempt.task for attempt in attempts if attempt.task is not None]
            if ringing:
                everyone = asyncio.gather(*ringing, return_exceptions=True)
                await wait_any(self.clock, (self.won, self.a_leg.ended, everyone), None)
            winner = self.won.result() if self.won.done() else None
        finally:
            # reached by an exception (a transfer, shutdown) with winner unset: every B-leg ends
            if music is not None:
                music.cancel()
                self.a_leg.stop_media()
            if not self.won.done():
                self.won.cancel()
            # shielded: a cancellation arriving now (the A-leg's end) must not leave B-legs ringing
            await asyncio.shield(self.engine.spawn(self._end_others(attempts, winner), f"dial-end-{a.call_uuid}"))
        if winner is None:
            return None if not self.a_leg.is_up else self._action_params(attempts, None)
        return await self._connect(winner, attempts)

    async def _end_others(self, attempts: list[Attempt], winner: Attempt | None) -> None:
        """Stop every B-leg but the winner: 9000 Lost Race, or 1000 Canceled when the Dial gave
        up (by the caller when the A-leg hung up, else by Plivo: a transfer, the server stopping)."""
        cause = causes.LOST_RACE if winner is not None else causes.CANCELED
        source = causes.PLIVO if winner is not None or self.a_leg.is_up else causes.CALLER
        for attempt in attempts:
            if attempt is winner:
                continue
            if attempt.task is not None and not attempt.task.done():
                attempt.task.cancel()
                await asyncio.gather(attempt.task, return_exceptions=True)
            await self.engine.finish(attempt.call, cause, source)

    async def _connect(self, winner: Attempt, attempts: list[Attempt]) -> dict[str, Any] | None:
        a, b = self.call, winner.call
        a_leg, b_leg = self.a_leg, b.leg
        assert b_leg is not None
        bridge = Bridge(a, b)
        a.dial = b.dial = bridge
        star: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        watchers: list[asyncio.Task[None]] = []
        mixer = None
        recorded: list[Active] = []
        time_up = False
        try:
            if not a.answered and a_leg.is_up:
                await self.engine.answer(a)
            await self._callback("answer", winner)
            a_leg.flush_digits()
            mixer = await a_leg.bridge(b_leg)
            recorded = await bridged(self.engine.recordings, a, mixer)
            await self._callback("connected", winner)
            watchers = [asyncio.create_task(self._watch(a_leg, self.node["digitsMatch"], "ALeg", winner, star)),
                        asyncio.create_task(self._watch(b_leg, self.node["digitsMatchBLeg"], "BLeg", winner, None))]
            left = b.options.time_limit - (self.clock.monotonic() - (b.answered_at or self.clock.monotonic()))
            time_up = not await wait_any(self.clock, (a_leg.ended, b_leg.ended, star, bridge.detached), max(0.0, left))
        finally:
            for watcher in watchers:
                watcher.cancel()
            unbridged(self.engine.recordings, recorded)
            for leg in (a_leg, b_leg):
                if mixer is not None and leg.mixer is mixer:
                    leg.leave()
            if a.dial is bridge:
                a.dial = None
            if b.dial is bridge:
                b.dial = None
            if bridge.detached.done():
                self.engine.spawn(self._callback("hangup", winner, transferred=True), f"dial-cb-{b.call_uuid}")
            else:
                if b.is_live:
                    if not a_leg.is_up or star.done():
                        cause, source = causes.NORMAL_HANGUP, causes.CALLER
                    elif b_leg.ended.done():
                        cause, source = causes.far_end(b_leg.ended.result().reason, causes.CALLEE)
                    elif time_up:
                        cause, source = causes.SCHEDULED_HANGUP, causes.PLIVO
                    else:  # the A-leg was transferred away, or the server is stopping
                        cause, source = causes.NORMAL_HANGUP, causes.PLIVO
                    durations = b.durations()
                    await self.engine.finish(b, cause, source)
                else:
                    durations = b.durations()
                self.engine.spawn(self._callback("hangup", winner, durations=durations), f"dial-cb-{b.call_uuid}")
        if not a_leg.is_up:
            return None
        return self._action_params(attempts, winner)

    async def _watch(self, leg: CallLeg, patterns: list[str], by: str, winner: Attempt,
                     star: "asyncio.Future[None] | None") -> None:
        """The keys one side presses while bridged: ``*`` with hangupOnStar (A-leg), and
        ``digitsMatch``/``digitsMatchBLeg`` sequences (a ``digits`` callback each time)."""
        pressed = ""
        while leg.is_up:
            digit = await leg.next_digit(None)
            if digit is None:
                return
            if star is not None and digit == "*" and self.node["hangupOnStar"]:
                star.set_result(None)
                return
            pressed = (pressed + digit)[-64:]
            for pattern in patterns:
                if pressed.endswith(pattern):
                    pressed = ""
                    await self._callback("digits", winner, DialDigitsMatch=pattern, DialDigitsPressedBy=by)
                    break

    # --- reporting -----------------------------------------------------------------------------

    async def _callback(self, action: str, attempt: Attempt, durations: tuple[int, int, int] | None = None,
                        transferred: bool = False, **extra: str) -> None:
        url = self.node["callbackUrl"]
        if not url:
            return
        b = attempt.call
        params: dict[str, Any] = {
            "DialAction": action, "DialALegUUID": self.call.call_uuid, "DialBLegUUID": b.call_uuid,
            "DialBLegStatus": {"answer": "answer", "connected": "connected", "digits": "connected"}.get(action, "hangup"),
            "DialBLegFrom": b.from_, "DialBLegTo": b.to, "DialBLegPosition": str(attempt.position),
            "DialBLegBillRate": format_rate(b.bill_rate), "STIRVerification": "Not Applicable",
            "Event": {"answer": "DialAnswer", "connected": "DialConnected", "digits": "DialDigitsMatch"}.get(action, "DialHangup"),
        }
        if action == "hangup":
            duration, bill_duration, billed = durations or (0, 0, 0)
            cause = b.cause or causes.NORMAL_HANGUP
            params.update(
                DialBLegDuration=str(duration), DialBLegBillDuration=str(bill_duration),
                DialBLegTotalCost=format_rate(b.total_amount(billed)), DialBLegHangupCause=cause.q850,
                DialBLegHangupCauseName=cause.name, DialBLegHangupCauseCode=str(cause.code),
                DialBLegHangupSource=b.hangup_source or causes.PLIVO,
            )
            if transferred:
                params.update(DialBLegStatus="transferred", DialBLegHangupCause="", DialBLegHangupCauseName="",
                              DialBLegHangupCauseCode="", DialBLegHangupSource="")
        params.update(extra)
        await self.engine.notify(self.call, url, self.call.params(**params),
                                 self.node["callbackMethod"], f"dial.{action}")

    def _action_params(self, attempts: list[Attempt], winner: Attempt | None) -> dict[str, Any]:
        if winner is not None:
            status, cause = "completed", winner.call.cause
            b_uuid = winner.call.call_uuid
        else:
            ended = [attempt.call.cause for attempt in attempts]
            statuses = [dial_status(c) for c in ended]
            status = next((s for s in ("no-answer", "timeout", "busy", "failed", "cancel") if s in statuses), "failed")
            cause = next((c for c, s in zip(ended, statuses) if s == status), None)
            b_uuid = ""
        return {
            "DialStatus": status, "DialRingStatus": "true" if self.rang else "false",
            "DialHangupCause": cause.q850 if cause is not None else "", "DialALegUUID": self.call.call_uuid,
            "DialBLegUUID": b_uuid,
        }


async def dial(interp: "Interpreter", node: Node, base: str) -> dict[str, Any] | None:
    return await Dial(interp, node).run()


def transfer_b_leg(engine: Any, bridge: Bridge, url: str, method: str) -> None:
    """``POST Call/`` with ``legs=bleg|both``: the B-leg leaves the bridge (the Dial on the A-leg
    ends, DialStatus completed) and runs the document at ``url`` as a call of its own."""
    b = bridge.b
    if not bridge.detached.done():
        bridge.detached.set_result((url, method))
    if b.leg is not None and b.leg.mixer is not None:
        b.leg.leave()
    b.dial = None
    b.task = asyncio.create_task(engine._run_documents(b, url, method, "transfer"), name=f"call-{b.call_uuid}")


def legs_of(call: LiveCall, legs: str) -> list[LiveCall]:
    """The calls a live ``Play``/``Speak``/``DTMF`` request with ``legs`` acts on: ``aleg`` the
    call named in the URL, ``bleg`` the party ``<Dial>`` bridged to it, ``both`` the two (as
    FreeSWITCH's ``uuid_broadcast`` under Plivo). ``both`` on a call that is not bridged is the
    call alone; ``bleg`` there is a 400."""
    bridge = call.dial
    other = None if bridge is None else bridge.b if bridge.a is call else bridge.a
    if other is None or other.leg is None or not other.leg.is_up:
        if legs == "bleg":
            raise ValidationError(f"legs: call {call.call_uuid} has no B-leg (it is not bridged by <Dial>)")
        return [call]
    return {"aleg": [call], "bleg": [other]}.get(legs, [call, other])
