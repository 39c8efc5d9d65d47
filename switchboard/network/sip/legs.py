"""A call leg over SIP and RTP: the :class:`~switchboard.network.channel.CallLeg` of a real call.

Signalling maps onto SIP as Plivo's does: ring → 180, pre-answer → 183 with SDP (early media),
answer → 200 with SDP; a hang-up before answer is a final error response (inbound) or CANCEL
(outbound), after answer a BYE. Media goes out through the leg's RTP session (paced by the one
sender); digits come in as RFC 4733 events (or SIP INFO). What the far end says is measured by
energy, and recognised, by :mod:`~switchboard.network.sip.listening` (endpointing, in-band DTMF,
beeps) and pocketsphinx (:mod:`switchboard.media.hints`) in a worker thread.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from switchboard.media import asr, hints
from switchboard.network.channel import (
    NO_INTERRUPT,
    CallLeg,
    Ended,
    Interrupt,
    LegState,
    Media,
    MediaListener,
    Recognition,
    Utterance,
    resolve,
    wait_any,
)
from switchboard.network.mixer import Mixer, Sound
from switchboard.network.rtp.session import RtpSession
from switchboard.network.sip import sdp
from switchboard.network.sip.audio import LegAudio
from switchboard.network.sip.dialog import Dialog
from switchboard.network.sip.listening import Listening
from switchboard.network.sip.message import Request, Response, response_to
from switchboard.network.sip.transaction import ClientTransaction, ServerTransaction
from switchboard.network.sip.transport import Peer

if TYPE_CHECKING:
    from switchboard.network.sip.stack import SipStack

log = logging.getLogger("switchboard.sip")
PLAYOUT_DRAIN = 0.5
"""Seconds between the end of a prompt and a BYE: a phone plays what its jitter buffer holds only
while the call lasts, so a BYE sent with the last packet cut the prompt's last word."""
REJECTION = {"busy": 486, "rejected": 603, "unallocated": 404, "no-answer": 480, "platform": 480, "cancel": 487}
AUTO_SPEECH_END = 1.0  # seconds of silence that end an answer when speechEndTimeout is "auto"
MACHINE_SPEECH_END = 1.2  # silence ending a greeting (Plivo's default speech-end threshold)
MACHINE_LONGEST = 6.5  # seconds of greeting measured at most (past the largest speech threshold)
POLL = 0.1


class SipLeg(CallLeg):
    def __init__(self, stack: "SipStack", rtp: RtpSession, peer: Peer, **identity: Any):
        super().__init__(**identity)
        self.stack, self.rtp, self.peer = stack, rtp, peer
        self.dialog: Dialog | None = None
        self.invite: Request | None = None
        self.server_tx: ServerTransaction | None = None
        self.client_tx: ClientTransaction | None = None
        self.local_tag = ""
        self.answer_sdp = b""
        self._digits: deque[str] = deque()
        self._arrival = self._new()
        self._stop = self._new()
        self._loud = self._new()
        self.last_loud: float | None = None
        self.digits_heard = 0
        self.loud_since: float | None = None
        self.silent_since = self.stack.clock.monotonic()
        self.listening = Listening(self.far_end_digit)
        rtp.on_digit = self.listening.out_of_band(self.far_end_digit)
        rtp.on_audio = self._heard
        self.audio = LegAudio(self)

    def _new(self) -> "asyncio.Future[None]":
        return asyncio.get_running_loop().create_future()

    # --- far end -----------------------------------------------------------------------------

    def far_end_digit(self, digit: str) -> None:
        self.digits_heard += 1
        self._digits.append(digit)
        resolve(self._arrival)
        self._arrival = self._new()
        self.audio.digit("in", digit)
        self.transmit(Sound("digits", self.uuid, self.audio.label, digits=digit, at=self.stack.clock.monotonic()))

    def _heard(self, pcm: bytes) -> None:
        now = self.stack.clock.monotonic()
        if self.listening.feed(pcm):
            if self.loud_since is None:
                self.loud_since = now
            self.last_loud = now
            resolve(self._loud)
        elif self.last_loud is not None and now - self.last_loud > 0.3:
            self.loud_since, self.silent_since = None, self.last_loud
            self._loud = self._new() if self._loud.done() else self._loud

    def far_end_ended(self, reason: str) -> None:
        self._end(Ended(reason, by_far_end=True))

    def _end(self, ended: Ended) -> None:
        if not self._mark_ended(ended, self._arrival, self._stop):
            return
        self.audio.close()
        self.rtp.close()
        self.stack.forget(self)

    def media_up(self) -> None:
        if not self.rtp.sending:
            self.rtp.sending = True
            self.rtp.last_rx = asyncio.get_running_loop().time()
            self.stack.pacer.add(self.rtp)

    def extra_headers(self) -> list[tuple[str, str]]:
        """Headers this kind of leg adds to its INVITE and its responses (none for a phone)."""
        return []

    # --- signalling (inbound) ----------------------------------------------------------------

    def _respond(self, status: int, body: bytes = b"") -> None:
        if self.server_tx is None or self.invite is None:
            return
        extra = [("Contact", self.stack.contact(self.peer.protocol)), *self.extra_headers()]
        if body:
            extra.append(("Content-Type", "application/sdp"))
        if status >= 200 and status < 300:
            extra.append(("Allow", self.stack.ALLOW))
        self.server_tx.respond(response_to(self.invite, status, to_tag=self.local_tag, extra=extra, body=body))

    async def ring(self) -> None:
        if self.direction == "inbound" and self.state == LegState.NEW:
            self.state = LegState.RINGING
            resolve(self.ringing)
            self._respond(180)

    async def pre_answer(self) -> None:
        if self.direction == "inbound" and self.state in (LegState.NEW, LegState.RINGING):
            self.state = LegState.EARLY
            resolve(self.early_media)
            self._respond(183, self.answer_sdp)
            self.media_up()

    async def answer(self) -> None:
        if self.direction == "inbound" and self.state not in (LegState.ANSWERED, LegState.ENDED):
            self.state = LegState.ANSWERED
            self._respond(200, self.answer_sdp)
            resolve(self.answered)
            self.media_up()

    async def hangup(self, reason: str = "platform") -> None:
        if self.ended.done():
            return
        if self.answered.done() and self.dialog is not None:
            drain = PLAYOUT_DRAIN - (asyncio.get_running_loop().time() - self.rtp.last_played)
            if drain > 0:  # the far end's jitter buffer still holds the end of the last prompt
                await self.stack.clock.wait(self.ended, drain)
                if self.ended.done():
                    return
            self.stack.send_in_dialog(self, "BYE")
        elif self.direction == "inbound":
            self._respond(REJECTION.get(reason, 480))
        else:
            self.stack.cancel(self)
        self._end(Ended(reason, by_far_end=False))

    # --- in-dialog requests from the far end -------------------------------------------------

    def far_end_request(self, request: Request, transaction: ServerTransaction | None) -> None:
        if request.method == "BYE":
            if transaction is not None:
                transaction.respond(response_to(request, 200))
            self.far_end_ended("hangup")
        elif request.method == "INVITE" and transaction is not None:
            self._reinvite(request, transaction)
        elif request.method == "INFO" and transaction is not None:
            transaction.respond(response_to(request, 200))
            for line in request.body.decode("utf-8", "replace").splitlines():
                name, _, value = line.partition("=")
                if name.strip().lower() == "signal" and value.strip()[:1] in "0123456789*#ABCD" and value.strip():
                    self.far_end_digit(value.strip()[0])
        elif request.method == "ACK" and request.body and self.rtp.remote is None:
            self._apply_offer(request.body)  # the answer to the offer we made in our 200
        elif transaction is not None:
            transaction.respond(response_to(request, 200 if request.method in ("UPDATE", "OPTIONS") else 501))

    def _reinvite(self, request: Request, transaction: ServerTransaction) -> None:
        """Hold, unhold, or a media change: follow the new address, answer with our stream."""
        direction = "sendrecv"
        if request.body:
            try:
                offer = sdp.parse(request.body)
            except sdp.SdpError:
                transaction.respond(response_to(request, 488))
                return
            if sdp.negotiate(offer) is None:
                transaction.respond(response_to(request, 488))
                return
            self._apply_offer(request.body)
            direction = sdp.answer_direction(offer.direction)
            if offer.address == "0.0.0.0":
                direction = "inactive"
        assert self.dialog is not None
        self.dialog.remote_cseq = request.cseq[0]
        body = self.stack.local_sdp(self.rtp, direction=direction)
        transaction.respond(response_to(request, 200, to_tag=self.local_tag, body=body, extra=[
            ("Contact", self.stack.contact(self.peer.protocol)), ("Content-Type", "application/sdp")]))

    def _apply_offer(self, body: bytes) -> bool:
        try:
            remote = sdp.parse(body)
        except sdp.SdpError:
            return False
        chosen = sdp.negotiate(remote)
        if chosen is None:
            return False
        self.rtp.configure(remote.address, remote.port, chosen[0], chosen[1])
        return True

    # --- outbound responses ------------------------------------------------------------------

    def response(self, response: Response) -> None:
        """A response to our INVITE (called by the stack for each one, retransmissions included)."""
        if self.ended.done():
            if 200 <= response.status < 300 and self.invite is not None:  # answered after we gave up
                self.stack.ack_and_bye(self, response)
            return
        if response.body:
            self._apply_offer(response.body)
        if response.status in (180, 181, 183) and self.state == LegState.NEW:
            self.state = LegState.RINGING
            resolve(self.ringing)
        if response.status == 183 and response.body:
            resolve(self.early_media)
            self.media_up()
        if 200 <= response.status < 300:
            assert self.invite is not None
            if self.dialog is None:
                self.dialog = Dialog.as_uac(self.invite, response, self.peer)
                self.stack.remember(self)
            self.stack.send_ack(self, response)
            if self.state != LegState.ANSWERED:
                self.state = LegState.ANSWERED
                resolve(self.answered)
                self.media_up()

    # --- media out -----------------------------------------------------------------------------

    async def play(self, media: Media, interrupt: Interrupt = NO_INTERRUPT) -> bool:
        if self.ended.done():
            return False
        if interrupt.digits and self._digits:
            return False
        pcm = await self.stack.media.render(media)
        if self.ended.done():
            return False
        playout = self.rtp.play(pcm)
        watch: list[asyncio.Future[Any]] = [self.ended, self._stop, playout.done]
        if interrupt.digits:
            watch.append(self._arrival)
        if interrupt.speech:
            watch.append(self._loud)
        try:
            await wait_any(self.stack.clock, tuple(watch), None)
        finally:
            if self._stop.done():
                self._stop = self._new()
            if not playout.done.done():
                playout.stop()
                if playout in self.rtp.queue:
                    self.rtp.queue.remove(playout)
        return playout.done.result() if playout.done.done() and not self.ended.done() else False

    def stop_media(self) -> None:
        self.rtp.stop_playing()
        resolve(self._stop)

    def overlay(self, media: list[Media], loops: int) -> "asyncio.Task[None]":
        async def run() -> None:
            for _ in range(loops):
                for item in media:
                    playout = self.rtp.overlay(await self.stack.media.render(item))
                    await wait_any(self.stack.clock, (playout.done, self.ended), None)
                    if self.ended.done():
                        return

        return asyncio.create_task(run(), name=f"overlay-{self.uuid}")

    async def send_digits(self, digits: str) -> None:
        for digit in digits:
            if self.ended.done():
                return
            if digit in "wW":
                await self.stack.clock.wait(self.ended, 0.5 if digit == "w" else 1.0)
            elif digit.upper() in "0123456789*#ABCD":
                self.audio.digit("out", digit.upper())
                await wait_any(self.stack.clock, (self.rtp.send_digit(digit), self.ended), None)

    # --- recorders and mixers (network/sip/audio.py) -----------------------------------------

    def listen(self, listener: MediaListener) -> Callable[[], None]:
        self.audio.capture()
        return super().listen(listener)

    async def join(self, mixer: Mixer, muted: bool = False, deaf: bool = False, relay_dtmf: bool = True) -> None:
        await super().join(mixer, muted, deaf, relay_dtmf)
        self.audio.joined()

    def leave(self) -> None:
        super().leave()
        self.audio.left()

    def hear(self, sound: Sound) -> None:
        self.audio.hear(sound)

    # --- media in --------------------------------------------------------------------------------

    async def next_digit(self, timeout: float | None) -> str | None:
        deadline = None if timeout is None else self.stack.clock.monotonic() + timeout
        while not self._digits and not self.ended.done():
            left = None if deadline is None else deadline - self.stack.clock.monotonic()
            if left is not None and left <= 0:
                break
            await wait_any(self.stack.clock, (self._arrival, self.ended), left)
        return self._digits.popleft() if self._digits else None

    def flush_digits(self) -> None:
        self._digits.clear()

    def flush_utterances(self) -> None:
        self.listening.flush()

    async def next_utterance(self, timeout: float | None, recognition: Recognition) -> Utterance | None:
        """The next answer, ended by ``recognition.end_silence`` of silence and recognised off
        the event loop; speech under way at ``timeout`` is heard to its end."""
        end_silence = recognition.end_silence or AUTO_SPEECH_END
        deadline = None if timeout is None else self.stack.clock.monotonic() + timeout
        while not self.ended.done():
            heard = self.listening.take(end_silence)
            if heard is not None:
                result = await asyncio.to_thread(hints.understood, heard.pcm, recognition.hints, recognition.language)
                if result is None:
                    log.info("call %s: %.2f s of speech not understood (hints %s, %s)", self.uuid, heard.seconds,
                             ",".join(recognition.hints) or "none", recognition.language)
                elif not self.ended.done():
                    return Utterance(result[0], result[1], heard.seconds, recognition.language)
                continue
            left = None if deadline is None else deadline - self.stack.clock.monotonic()
            if self.listening.speaking:
                left = POLL
            elif left is not None and left <= 0:
                break
            await wait_any(self.stack.clock, (self.listening.changed, self.ended), left)
        return None

    async def wait_for_silence(self, min_silence: float, timeout: float) -> bool:
        deadline = self.stack.clock.monotonic() + timeout
        while not self.ended.done():
            now = self.stack.clock.monotonic()
            quiet_from = self.last_loud if self.last_loud is not None else self.silent_since
            if now - quiet_from >= min_silence:
                return True
            if now >= deadline:
                return False
            await self.stack.clock.wait(self.ended, min(0.1, deadline - now))
        return False

    async def wait_for_beep(self, timeout: float) -> bool:
        deadline = self.stack.clock.monotonic() + timeout
        self.listening.watch_beep(True)
        try:
            while not self.listening.beeped and not self.ended.done():
                left = deadline - self.stack.clock.monotonic()
                if left <= 0:
                    break
                await wait_any(self.stack.clock, (self.listening.changed, self.ended), left)
            return self.listening.beeped and not self.ended.done()
        finally:
            self.listening.watch_beep(False)

    async def first_speech(self, timeout: float) -> Utterance | None:
        """The greeting: from the first speech until :data:`MACHINE_SPEECH_END` of silence (at
        most :data:`MACHINE_LONGEST` measured), with its words, for machine detection."""
        deadline = self.stack.clock.monotonic() + timeout
        while not self.listening.speaking and not self.ended.done():
            left = deadline - self.stack.clock.monotonic()
            if left <= 0:
                return None
            await wait_any(self.stack.clock, (self.listening.changed, self.ended), left)
        heard = None
        while heard is None and not self.ended.done():
            heard = self.listening.take(MACHINE_SPEECH_END, force=self.listening.spoken() >= MACHINE_LONGEST)
            if heard is None:
                await self.stack.clock.wait(self.ended, POLL)
        if heard is None:
            return None
        text = await asyncio.to_thread(asr.transcribe, heard.pcm)
        return Utterance(text, 0.0, heard.seconds)
