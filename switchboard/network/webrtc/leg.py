"""A browser's call leg: a SIP leg whose media is :class:`WebRtcMedia` and whose signalling runs
over the browser's WebSocket flow. Everything the engine sees is :class:`SipLeg`'s."""

import asyncio
import logging

from switchboard.network.channel import Ended
from switchboard.network.sip.legs import SipLeg
from switchboard.network.sip.message import Request, response_to
from switchboard.network.sip.transaction import ServerTransaction
from switchboard.network.webrtc import media
from switchboard.network.webrtc.media import WebRtcMedia

log = logging.getLogger("switchboard.webrtc")
CALL_UUID_HEADER = "X-Calluuid"
"""The browser SDK reads the call's UUID from this header and cannot answer a call without it."""


class WebRtcLeg(SipLeg):
    rtp: WebRtcMedia

    def extra_headers(self) -> list[tuple[str, str]]:
        return [(CALL_UUID_HEADER, self.uuid)]

    def media_up(self) -> None:
        first = not self.rtp.sending
        super().media_up()
        if first:
            self.stack.spawn(self._watch_media(), f"webrtc-watch-{self.uuid}")

    async def _watch_media(self) -> None:
        """End the call (Plivo's media timeout, with what failed in the debug log) when ICE or
        DTLS fails, or does not complete within ``media.CONNECT_SECONDS``."""
        if not await self.stack.clock.wait(self.rtp.settled, media.CONNECT_SECONDS):
            self.rtp.timed_out()
        reason = await asyncio.shield(self.rtp.failed)
        if not self.ended.done() and reason != "closed":
            log.info("call %s: %s, hanging up", self.uuid, reason)
            if self.dialog is not None:
                self.stack.send_in_dialog(self, "BYE")
            self._end(Ended("media-timeout", by_far_end=True, detail=reason))

    def _apply_offer(self, body: bytes) -> bool:
        """The browser's answer to our offer (in its 183/200)."""
        if self.rtp.pc.remoteDescription is None and self.direction == "outbound":
            self.stack.spawn(self.rtp.accept(body), f"webrtc-answer-{self.uuid}")
        return True

    def _reinvite(self, request: Request, transaction: ServerTransaction) -> None:
        """A re-INVITE (hold, ICE restart): answered with the session as it is."""
        assert self.dialog is not None
        self.dialog.remote_cseq = request.cseq[0]
        local = self.rtp.pc.localDescription
        body = local.sdp.encode() if local is not None else b""
        transaction.respond(response_to(request, 200, to_tag=self.local_tag, body=body, extra=[
            ("Contact", self.stack.contact(self.peer.protocol)), ("Content-Type", "application/sdp")]))
