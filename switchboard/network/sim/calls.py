"""The simulated network's calls: placing outbound legs to simulated phones, placing calls *into*
the platform from them, and running each phone's call script on the far end of the leg.

Script steps (see phones.py): ``ring`` then answer, ``early_media`` (183 before answer), ``reject``,
``machine`` (answers, says its greeting, beeps), ``wait``, ``press``, ``say``, ``hangup``. Before the
call is answered only ``ring``/``early_media``/``reject``/``machine`` mean anything for a called phone; a calling phone's script runs
once the platform answers (or opens early media) it. When the script ends the phone stays on
the line until the platform hangs up.
"""

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from switchboard.core.clock import Clock
from switchboard.core.ids import new_uuid
from switchboard.network.channel import Beep, CallLeg, Network, OriginateRequest, Speech, Utterance, wait_any
from switchboard.network.sim.legs import SimLeg
from switchboard.network.sim.loop import LoopLeg, loop_pair
from switchboard.network.sim.phones import (
    CallStep,
    EarlyMedia,
    Hangup,
    Machine,
    PhoneBook,
    Press,
    Reject,
    Ring,
    Say,
    Wait,
    endpoint_address,
)
from switchboard.network.sim.speech import DIGIT_GAP, DIGIT_TONE, PAUSES, speech_seconds

log = logging.getLogger("switchboard.sim")
ONE_RING = 1.0
ENDED_KEPT = 10_000
BEEP_SECONDS = 0.5


def phone_for(destination: str) -> str:
    """The phone-book address of a destination: E.164 digits, or ``sip:user@…`` of an endpoint."""
    if destination.startswith("sip:"):
        return endpoint_address(destination[4:].split("@", 1)[0])
    if destination.startswith("endpoint:"):
        return destination
    return destination.lstrip("+")


class SimNetwork(Network):
    def __init__(self, clock: Clock, book: PhoneBook):
        self.clock, self.book = clock, book
        self._arriving: set[asyncio.Task[None]] = set()  # calls being handed to the engine (kept referenced)
        self._up: dict[str, SimLeg] = {}  # legs to simulated phones, by call_uuid, until they end
        self._ended: OrderedDict[str, None] = OrderedDict()  # the latest ENDED_KEPT that ended, oldest first

    def _track(self, leg: SimLeg) -> None:
        self._up[leg.uuid] = leg
        leg.ended.add_done_callback(lambda _ended: self._end(leg.uuid))

    def _end(self, call_uuid: str) -> None:
        self._up.pop(call_uuid, None)
        self._ended[call_uuid] = None
        if len(self._ended) > ENDED_KEPT:
            self._ended.popitem(last=False)

    def phone_hangs_up(self, call_uuid: str) -> bool:
        """The simulated phone on the call hangs up now, as a ``hangup`` step would. A call that
        has already ended is left as it is (hanging up twice is no error); False when no call to
        or from a simulated phone had that UUID (of the latest ``ENDED_KEPT`` that ended)."""
        leg = self._up.get(call_uuid)
        if leg is None or not leg.is_up:
            return leg is not None or call_uuid in self._ended
        self._hang_up(leg)
        return True

    def _hang_up(self, leg: SimLeg) -> None:
        leg.log("call", state="ended", by="phone", reason="hangup")
        leg.far_end_ended("hangup")

    def _hand_over(self, leg: CallLeg) -> None:
        assert self.on_incoming is not None
        task = asyncio.create_task(self.on_incoming(leg), name=f"incoming-{leg.uuid}")
        self._arriving.add(task)
        task.add_done_callback(self._arriving.discard)

    async def originate(self, request: OriginateRequest) -> CallLeg:
        if self.local_destination is not None and not request.to.startswith("sip:") \
                and self.on_incoming is not None and await self.local_destination(request.to):
            return self._loop_back(request)
        address = phone_for(request.to)
        leg = SimLeg(self.clock, self.book, address, uuid=request.call_uuid or new_uuid(), direction="outbound",
                     from_=request.from_, to=request.to, caller_name=request.caller_name)
        shown = {"caller_name": request.caller_name} if request.caller_name else {}
        if request.sip_headers:
            shown["headers"] = {f"X-PH-{name}": value for name, value in request.sip_headers.items()}
        leg.log("call", direction="incoming", state="offered", **{"from": request.from_, "to": request.to}, **shown)
        leg.far_end_task = asyncio.create_task(self._called_phone(leg, list(self.book.phone(address).script)),
                                               name=f"sim-phone-{leg.uuid}")
        self._track(leg)
        return leg

    def _loop_back(self, request: OriginateRequest) -> CallLeg:
        """A call to one of the platform's own numbers comes straight back in as an inbound call."""
        identity = {"from_": request.from_.lstrip("+"), "to": request.to, "caller_name": request.caller_name}
        outbound = LoopLeg(self.clock, self.book, "", uuid=request.call_uuid or new_uuid(), direction="outbound", **identity)
        inbound = LoopLeg(self.clock, self.book, "", uuid=new_uuid(), direction="inbound", **identity)
        loop_pair(outbound, inbound)
        self._hand_over(inbound)
        return outbound

    async def place_call(self, from_: str, to: str, script: list[CallStep], caller_name: str = "",
                         forwarded_from: str = "", stir_attestation: str = "",
                         custom_headers: dict[str, str] | None = None) -> SimLeg:
        """A simulated phone calls ``to`` (a platform number or ``sip:`` endpoint URI); the leg is
        handed to the engine (``on_incoming``) and the caller's script runs once it is answered.
        ``forwarded_from``, ``stir_attestation`` and ``custom_headers`` are what its signalling
        presents (a diversion, a STIR/SHAKEN attestation, ``X-PH-`` headers)."""
        address = phone_for(from_)
        leg = SimLeg(self.clock, self.book, address, uuid=new_uuid(), direction="inbound",
                     from_=from_, to=to, caller_name=caller_name)
        leg.forwarded_from, leg.stir_attestation = forwarded_from, stir_attestation
        leg.custom_headers = tuple((custom_headers or {}).items())
        leg.log("call", direction="outgoing", state="dialing", **{"from": from_, "to": to})
        leg.far_end_task = asyncio.create_task(self._calling_phone(leg, script), name=f"sim-caller-{leg.uuid}")
        self._track(leg)
        if self.on_incoming is None:
            await leg.hangup("unreachable")
        else:
            self._hand_over(leg)
        return leg

    # --- the far end ---------------------------------------------------------------------------

    async def _called_phone(self, leg: SimLeg, script: list[CallStep]) -> None:
        try:
            rest = await self._until_answer(leg, script)
            if rest is not None:
                await self._run_steps(leg, rest)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("simulated phone %s failed", leg.phone)

    async def _until_answer(self, leg: SimLeg, script: list[CallStep]) -> list[CallStep] | None:
        """Ring, reject or answer as the script says; the steps left once answered (None: ended).
        A script that starts with ``early_media`` goes straight to 183, without ringing first."""
        if not (script and isinstance(script[0], EarlyMedia)):
            leg.far_end_ringing()
            leg.log("call", state="ringing")
        ring = 0.0
        rang = False
        for index, step in enumerate(script):
            if isinstance(step, Ring):
                ring += step.ring
                rang = True
            elif isinstance(step, EarlyMedia):
                if await self.clock.wait(leg.ended, ring):
                    return None
                leg.far_end_early_media()
                ring, rang = step.early_media, True
            elif isinstance(step, Reject):
                if step.reject == "no-answer":
                    await self.clock.wait(leg.ended, None)
                    leg.log("call", state="missed")
                    return None
                if await self.clock.wait(leg.ended, ring):
                    return None
                leg.log("call", state="ended", by="phone", reason=step.reject)
                leg.far_end_ended(step.reject)
                return None
            elif isinstance(step, Machine):
                if await self.clock.wait(leg.ended, ring if rang else ONE_RING):
                    return None
                self._answered(leg, machine=True)
                await self._speak(leg, step.greeting, voicemail=True)
                if leg.is_up:
                    leg.log("beep")
                    leg.far_end_media(Beep(BEEP_SECONDS, 1000), BEEP_SECONDS)
                    await self.clock.sleep(BEEP_SECONDS)
                    leg.far_end_beeped()
                return script[index + 1:]
            else:
                return await self._answer_after(leg, ring if rang else ONE_RING, script[index:])
        return await self._answer_after(leg, ring if rang else ONE_RING, [])

    async def _answer_after(self, leg: SimLeg, ring: float, rest: list[CallStep]) -> list[CallStep] | None:
        if await self.clock.wait(leg.ended, ring):
            leg.log("call", state="missed")
            return None
        self._answered(leg)
        return rest

    def _answered(self, leg: SimLeg, machine: bool = False) -> None:
        leg.log("call", state="answered", **({"answering_machine": True} if machine else {}))
        leg.far_end_answered()

    async def _calling_phone(self, leg: SimLeg, script: list[CallStep]) -> None:
        try:
            await wait_any(self.clock, (leg.answered, leg.early_media, leg.ended), None)
            if leg.is_up:
                await self._run_steps(leg, [s for s in script if not isinstance(s, Ring | EarlyMedia | Reject | Machine)])
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("simulated caller %s failed", leg.phone)

    async def _run_steps(self, leg: SimLeg, steps: list[CallStep]) -> None:
        for step in steps:
            if not leg.is_up:
                return
            if isinstance(step, Wait):
                if await self.clock.wait(leg.ended, step.wait):
                    return
            elif isinstance(step, Press):
                leg.log("pressed", digits=step.press)
                for digit in step.press:
                    pause = PAUSES.get(digit)
                    if pause is not None:
                        await self.clock.sleep(pause)
                        continue
                    await self.clock.sleep(DIGIT_TONE)
                    leg.far_end_digit(digit.upper())
                    await self.clock.sleep(DIGIT_GAP)
            elif isinstance(step, Say):
                await self._speak(leg, step.say, step.language)
            elif isinstance(step, Hangup):
                self._hang_up(leg)
                return

    async def _speak(self, leg: SimLeg, text: str, language: str = "en-US", voicemail: bool = False) -> None:
        """Say ``text`` at a caller's pace; the platform hears it word by word (interim speech
        results) and then as a whole."""
        seconds = speech_seconds(text, "MAN")
        leg.log("said", text=text, seconds=seconds, language=language, **({"greeting": True} if voicemail else {}))
        leg.far_end_media(Speech(text, "MAN", language), seconds)
        leg.far_end_starts_speaking()
        words = text.split() or [text]
        for count in range(1, len(words) + 1):
            if await self.clock.wait(leg.ended, seconds / len(words)):
                return
            if count < len(words):
                leg.far_end_partly_said(" ".join(words[:count]), language)
        leg.far_end_said(Utterance(text, 1.0, seconds, language))


def describe_leg(leg: CallLeg) -> dict[str, Any]:
    return {"call_uuid": leg.uuid, "from": leg.from_, "to": leg.to, "direction": leg.direction}
