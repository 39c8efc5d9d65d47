"""The Plivo XML interpreter: fetches a document, validates it whole, and runs its elements on a
call's A-leg through the call-leg interface (it never knows which network carries the leg).

Control flow follows Plivo: an inbound call is answered lazily before the first element that is
not Wait/PreAnswer/Hangup/Dial; Redirect and a redirecting action replace the rest of the
document; running out of elements hangs up with 4010 End Of XML Instructions.
"""

import logging
from typing import TYPE_CHECKING, Any

from switchboard.network.channel import NO_INTERRUPT, Audio, Interrupt, Silence, Speech
from switchboard.voice import causes
from switchboard.voice.audio import AudioError
from switchboard.voice.call import LiveCall
from switchboard.voice.document import InvalidXml, Node, parse
from switchboard.voice.elements import DO_NOT_ANSWER
from switchboard.webhooks.transport import Failure
from switchboard.webhooks.validation import expect_plivo_xml

if TYPE_CHECKING:
    from switchboard.voice.engine import VoiceEngine

log = logging.getLogger("switchboard.voice")
MAX_IDLE_REDIRECTS = 20


class Goto(Exception):
    """Replace the current document with the one at ``url``."""

    def __init__(self, url: str, method: str, kind: str, params: dict[str, Any] | None = None,
                 unlogged: frozenset[str] = frozenset()):
        super().__init__(url)
        self.url, self.method, self.kind, self.params, self.unlogged = url, method, kind, params or {}, unlogged


class CallOver(Exception):
    """The call has ended; stop running elements."""


class Interpreter:
    def __init__(self, engine: "VoiceEngine", call: LiveCall):
        self.engine, self.call = engine, call
        self.clock = engine.clock
        self._idle_redirects = 0
        self.played = False

    @property
    def leg(self) -> Any:
        assert self.call.leg is not None
        return self.call.leg

    # --- documents -----------------------------------------------------------------------------

    async def run(self, url: str, method: str, kind: str, params: dict[str, Any] | None = None) -> None:
        """Run the document at ``url`` and whatever it leads to, then hang up as Plivo would."""
        target: Goto | None = Goto(url, method, kind, params)
        while target is not None:
            fetched = await self.fetch(target)
            if fetched is None:
                return
            nodes, base = fetched
            try:
                await self.run_nodes(nodes, base)
                target = None
            except Goto as goto:
                target = goto
            except CallOver:
                return
        if self.leg.is_up:
            await self.engine.finish(self.call, causes.END_OF_XML, causes.PLIVO)

    async def fetch(self, target: Goto) -> tuple[list[Node], str] | None:
        """The document at ``target`` (an absolute URL: the document it came from resolved it)."""
        call = self.call
        call.fetches += 1
        extra = dict(target.params)
        if target.kind == "answer":
            extra.setdefault("Event", "StartApp")
        fallback = call.urls.fallback_url if target.kind == "answer" else None

        def valid(body: bytes, content_type: str) -> str | None:
            """A document counts as fetched only if it would run (else the fallback URL is tried)."""
            problem = expect_plivo_xml(body, content_type)
            if problem is None:
                try:
                    parse(body, base_url=None)
                except InvalidXml as exc:
                    problem = f"invalid Plivo XML: {exc}"
            return problem

        with self.clock.busy():
            result = await self.engine.webhooks.fetch(
                target.url, call.params(**extra), account=call.owner, method=target.method, fallback_url=fallback or None,
                fallback_method=call.urls.fallback_method, event=f"call.{target.kind}",
                unlogged=target.unlogged, check=valid,
            )
        if not self.leg.is_up:
            return None
        if not result.ok:
            if result.failure == Failure.INVALID_URL:
                cause = causes.INVALID_URL.get(target.kind, causes.URL_ERRORS[target.kind])
            elif result.invalid_document:
                cause = causes.XML_ERRORS[target.kind]
                self.engine.debug_log(call, result.request_id, result.url, result.method, result.error)
            else:
                cause = causes.URL_ERRORS[target.kind]
            log.warning("call %s: %s URL %s failed after %d attempt(s): %s; ending it with %d %s", call.call_uuid,
                        target.kind, result.url, result.attempts, result.error, cause.code, cause.name)
            await self.engine.finish(call, cause, causes.ERROR)
            return None
        # Parsed again, now that it is known which URL (the first or the fallback) answered it.
        return parse(result.body, base_url=result.url), result.url

    async def run_nodes(self, nodes: list[Node], base: str, early: bool = False) -> None:
        for node in nodes:
            if not self.leg.is_up:
                raise CallOver
            if not early and not self.call.answered and node.name not in DO_NOT_ANSWER:
                await self.engine.answer(self.call)
            handler = getattr(self, f"do_{node.name.lower()}", None)
            if handler is None:
                self.engine.debug_log(self.call, "", base, "", f"<{node.name}> is not yet supported by Switchboard; skipped")
                continue
            await handler(node, base)
        if not self.leg.is_up:
            raise CallOver

    # --- media ---------------------------------------------------------------------------------

    async def play_prompt(self, node: Node, base: str, interrupt: Interrupt = NO_INTERRUPT) -> bool:
        """Run a Speak, Play or Wait; False if it was cut short (input or end of call)."""
        self.played = True
        if node.name == "Wait":
            return await self.do_wait(node, base, interrupt)
        if node.name == "Speak":
            media: Any = Speech(node.text, node["voice"], node["language"], node.pause_seconds, node.ssml)
        else:
            try:
                media = Audio(node.text, await self.engine.audio.seconds(node.text))
            except AudioError as exc:
                self.engine.debug_log(self.call, "", node.text, "GET", f"<Play> skipped: {exc}")
                return True
        loops = node["loop"] or 10_000
        for _ in range(loops):
            if not await self.leg.play(media, interrupt):
                return False
        return True

    async def do_speak(self, node: Node, base: str) -> None:
        await self.play_prompt(node, base)

    async def do_play(self, node: Node, base: str) -> None:
        await self.play_prompt(node, base)

    async def do_wait(self, node: Node, base: str, interrupt: Interrupt = NO_INTERRUPT) -> bool:
        self.played = True
        length = float(node["length"])
        if node["beep"]:
            await self.leg.wait_for_beep(length)
            return True
        if node["silence"]:
            await self.leg.wait_for_silence(node["minSilence"] / 1000.0, length)
            return True
        return await self.leg.play(Silence(length), interrupt)

    async def do_dtmf(self, node: Node, base: str) -> None:
        self.played = True
        if node["async"]:
            self.engine.spawn(self.leg.send_digits(node.text), f"dtmf-{self.call.call_uuid}")
        else:
            await self.leg.send_digits(node.text)

    # --- flow ----------------------------------------------------------------------------------

    async def do_redirect(self, node: Node, base: str) -> None:
        self._idle_redirects = 1 if self.played else self._idle_redirects + 1
        self.played = False
        if self._idle_redirects > MAX_IDLE_REDIRECTS:
            self.engine.debug_log(self.call, "", base, node["method"],
                                  f"redirect loop: {MAX_IDLE_REDIRECTS} redirects in a row with nothing played")
            await self.engine.finish(self.call, causes.XML_ERRORS["redirect"], causes.ERROR)
            raise CallOver
        raise Goto(node.text, node["method"], "redirect")

    async def do_hangup(self, node: Node, base: str) -> None:
        reason = node["reason"]
        cause = causes.BUSY if reason == "busy" else causes.REJECTED if reason == "rejected" else None
        if node["schedule"]:
            self.engine.schedule_hangup(self.call, node["schedule"], cause or causes.SCHEDULED_HANGUP, causes.ANSWER_XML)
            return
        if not self.call.answered and self.call.direction == "inbound":
            await self.engine.finish(self.call, cause or causes.REJECTED, causes.ANSWER_XML, leg_reason=reason or "rejected")
        else:
            await self.engine.finish(self.call, cause or causes.NORMAL_HANGUP, causes.ANSWER_XML)
        raise CallOver

    async def do_preanswer(self, node: Node, base: str) -> None:
        if not self.call.answered:
            await self.leg.pre_answer()
        await self.run_nodes(node.children, base, early=True)

    async def do_message(self, node: Node, base: str) -> None:
        """Send an SMS/MMS through the messaging area (non-blocking: it is queued, the call goes on)."""
        if self.engine.messaging() is None:
            self.engine.debug_log(self.call, "", base, "", "<Message> is not yet supported by Switchboard; skipped")
            return
        problem = await self.engine.send_message(self.call, {
            "src": node["src"], "dst": node["dst"], "text": node.text, "type": node["type"],
            "url": node["callbackUrl"] or "",
            "method": node["callbackMethod"],
        })
        if problem:
            self.engine.debug_log(self.call, "", base, "", f"<Message> not sent: {problem}")

    async def do_record(self, node: Node, base: str) -> None:
        from switchboard.voice.recording.element import record

        await record(self, node, base)

    async def do_getdigits(self, node: Node, base: str) -> None:
        from switchboard.voice.input import get_digits

        await self.action(node, base, await get_digits(self, node, base))

    async def do_getinput(self, node: Node, base: str) -> None:
        from switchboard.voice.input import get_input

        await self.action(node, base, await get_input(self, node, base))

    async def do_dial(self, node: Node, base: str) -> None:
        from switchboard.voice.dial import dial

        await self.action(node, base, await dial(self, node, base))

    async def do_conference(self, node: Node, base: str) -> None:
        from switchboard.voice.conference.element import conference

        await self.action(node, base, await conference(self, node, base))

    async def do_stream(self, node: Node, base: str) -> None:
        from switchboard.voice.stream.element import stream

        await stream(self, node, base)

    async def action(self, node: Node, base: str, params: dict[str, Any] | None) -> None:
        """After input: no input or no action → next element; else request ``action`` and either
        run its document instead of the rest (redirect=true) or ignore its answer."""
        if params is None or not node["action"] or not self.leg.is_up:
            return
        url = node["action"]
        unlogged = frozenset() if node.attrs.get("log", True) else frozenset({"Digits", "Speech"})  # GetDigits/GetInput log="false"
        if node["redirect"]:
            raise Goto(url, node["method"], "action", params, unlogged)
        self.engine.spawn(self.engine.webhooks.fetch(url, self.call.params(**params), account=self.call.owner,
                                                     method=node["method"], check=None, event="call.action",
                                                     unlogged=unlogged), f"action-{self.call.call_uuid}")
