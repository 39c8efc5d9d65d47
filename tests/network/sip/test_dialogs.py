"""Dialog-level behaviour driven message by message (what sipp scenarios cannot express easily):
CANCEL before answer (200 + 487), PreAnswer as 183 with SDP, re-INVITE for hold, BYE from the
caller, SIP INFO digits."""

import re
import socket
import struct
import threading
import time

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.network.sip.conftest import trunk_number
from tests.network.sip.peers import RawClient
from tests.voice.customer_app import CustomerApp

SDP = "v=0\r\no=raw 1 {version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" \
      "m=audio {port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na={direction}\r\n"


class RawCall:
    """One call from a raw UDP client at the carrier's address, message by message."""

    def __init__(self, server: LiveServer, number: str):
        self.client = RawClient(server.sip_port)  # type: ignore[attr-defined]
        self.media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.media.bind(("127.0.0.1", 0))
        self.number, self.call_id = number, f"dialog-{time.time_ns()}"
        self.via = f"Via: SIP/2.0/UDP 127.0.0.1:{self.client.port};branch=z9hG4bKinv{time.time_ns()};rport"
        self.from_ = "From: <sip:15550002222@127.0.0.1>;tag=caller1"
        self.to = f"To: <sip:{number}@127.0.0.1>"
        self.cseq = 1
        self.stopped = threading.Event()

    def send(self, method: str, via: str, to: str, cseq: int, body: str = "", extra: tuple[str, ...] = ()) -> None:
        lines = [f"{method} sip:{self.number}@127.0.0.1 SIP/2.0", via, self.from_, to, f"Call-ID: {self.call_id}",
                 f"CSeq: {cseq} {method}", "Max-Forwards: 70", *extra,
                 *(["Content-Type: application/sdp"] if body else []), f"Content-Length: {len(body)}", "", body]
        self.client.send("\r\n".join(lines).encode())

    def invite(self) -> None:
        self.send("INVITE", self.via, self.to, 1, SDP.format(version=1, port=self.media.getsockname()[1], direction="sendrecv"))

    def next(self, status: int | None = None, method: str | None = None, cseq: str = "") -> str:
        """The next message (skipping 100 Trying, and with ``cseq`` anything of another
        transaction, such as a 200 retransmitted before our ACK arrived), checked against
        ``status`` or request ``method``."""
        while True:
            text = self.client.sock.recv(65535).decode()
            if text.startswith("SIP/2.0 100 ") or (cseq and f"CSeq: {cseq}\r\n" not in text):
                continue
            if status is not None:
                assert text.startswith(f"SIP/2.0 {status} "), text[:200]
            if method is not None:
                assert text.startswith(f"{method} "), text[:200]
            return text

    def header(self, text: str, name: str) -> str:
        return re.search(rf"^{name}: (.*)$", text, re.MULTILINE | re.IGNORECASE).group(1).strip()  # type: ignore[union-attr]

    def keep_media_flowing(self, sdp_text: str) -> None:
        """Send silence to the port our SDP names every 200 ms (so the media timeout never fires
        on a slow machine), from the address this call's SDP announced."""
        port = int(sdp_text.split("m=audio ", 1)[1].split()[0])

        def run() -> None:
            sequence = 0
            while not self.stopped.wait(0.2):
                sequence += 1
                packet = struct.pack("!BBHII", 0x80, 0, sequence, sequence * 160, 0x77) + b"\xff" * 160
                try:
                    self.media.sendto(packet, ("127.0.0.1", port))
                except OSError:
                    return

        threading.Thread(target=run, daemon=True).start()

    def close(self) -> None:
        self.stopped.set()
        self.client.close()
        self.media.close()


def test_cancel_before_answer_is_200_then_487(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp
) -> None:
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    customer.route("/answer", '<Response><Wait length="30"/><Speak>late</Speak></Response>')
    customer.route("/hangup", "")
    call = RawCall(sip_server, trunk.number)
    try:
        call.invite()
        call.next(180)
        call.send("CANCEL", call.via, call.to, 1)
        responses = [call.next(), call.next()]
        assert {r.split(" ", 2)[1] for r in responses} == {"200", "487"}
        terminated = next(r for r in responses if r.startswith("SIP/2.0 487"))
        call.send("ACK", call.via, "To: " + call.header(terminated, "To"), 1)
        hangup = customer.wait_for("/hangup")[0].params
        assert hangup["HangupSource"] == "Caller" and hangup["CallStatus"] == "completed"
        assert hangup["Duration"] == "0"
    finally:
        call.close()


def test_preanswer_is_183_with_sdp_then_hold_reinvite_info_digit_and_caller_bye(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp
) -> None:
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    customer.route("/answer", f'<Response><PreAnswer><Speak>Early words.</Speak></PreAnswer>'
                              f'<GetDigits action="{customer.url("/digits")}" numDigits="1" timeout="20">'
                              "<Speak>Press a key.</Speak></GetDigits></Response>")
    customer.route("/digits", '<Response><Wait length="30"/></Response>')
    customer.route("/hangup", "")
    call = RawCall(sip_server, trunk.number)
    try:
        call.invite()
        call.next(180)
        early = call.next(183)
        assert "m=audio " in early and call.header(early, "Content-Type") == "application/sdp"
        call.keep_media_flowing(early)
        call.media.settimeout(5)
        call.media.recvfrom(2048)  # early media flows before the answer
        ok = call.next(200)
        to = "To: " + call.header(ok, "To")
        ack_via = call.via.replace("branch=z9hG4bKinv", "branch=z9hG4bKack")
        call.send("ACK", ack_via, to, 1)
        hold = SDP.format(version=2, port=call.media.getsockname()[1], direction="sendonly")
        call.send("INVITE", call.via.replace("inv", "hold"), to, 2, hold)
        held = call.next(200, cseq="2 INVITE")
        assert "a=recvonly" in held and held.count("CSeq: 2 INVITE") == 1
        call.send("ACK", call.via.replace("inv", "ack2"), to, 2)
        call.send("INFO", call.via.replace("inv", "info"), to, 3, "",
                  ("Content-Type: application/dtmf-relay", "Content-Length: 24", "", "Signal=7\r\nDuration=160"))
        assert customer.wait_for("/digits")[0].params["Digits"] == "7"
        call.send("BYE", call.via.replace("inv", "bye"), to, 4)
        call.next(200, cseq="4 BYE")
        hangup = customer.wait_for("/hangup")[0].params
        assert hangup["HangupSource"] == "Caller" and hangup["HangupCause"] == "NORMAL_CLEARING"
    finally:
        call.close()


def test_requests_for_unknown_dialogs_are_481(sip_server: LiveServer) -> None:
    client = RawClient(sip_server.sip_port)  # type: ignore[attr-defined]
    try:
        response = client.request("BYE", "nobody", call_id="no-such-call")
        assert client.status(response) == 481
    finally:
        client.close()
