"""Hostile and broken SIP/RTP: every case is answered (or dropped) cheaply, logged, and the
server keeps serving calls."""

import socket
import struct
import time

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.network.sip.conftest import RTP_TIMEOUT, sipp, stack_stats, trunk_number
from tests.network.sip.peers import RawClient
from tests.voice.customer_app import CustomerApp

OFFER = """v=0\r
o=raw 1 1 IN IP4 127.0.0.1\r
s=-\r
c=IN IP4 127.0.0.1\r
t=0 0\r
m=audio {port} RTP/AVP {payloads}\r
a=rtpmap:101 telephone-event/8000\r
"""


def options_answered(server: LiveServer, host: str = "127.0.0.1") -> bool:
    client = RawClient(server.sip_port, host)  # type: ignore[attr-defined]
    try:
        return client.status(client.request("OPTIONS", "probe")) == 200
    finally:
        client.close()


def test_malformed_messages_are_dropped_and_counted(sip_server: LiveServer) -> None:
    before = stack_stats(sip_server)["malformed"]
    client = RawClient(sip_server.sip_port)  # type: ignore[attr-defined]
    junk = [b"\x00\xff" * 700, b"INVITE sip:x SIP/2.0\r\n\r\n", b"SIP/2.0 200\r\n\r\n",
            b"REGISTER sip:a SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
            b"Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
            b"OPTIONS sip:a SIP/2.0\r\nVia: garbage\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"]
    for data in junk:
        client.send(data)
    client.send((f"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{client.port};branch=z9hG4bKbadto\r\n"
                 "From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:unclosed@127.0.0.1\r\nCall-ID: badto\r\nCSeq: 1 REGISTER\r\n"
                 "Content-Length: 0\r\n\r\n").encode())
    assert client.status(client.receive()) == 400  # a To that cannot be parsed: 400, not a crash
    with socket.create_connection(("127.0.0.1", sip_server.sip_port)) as tcp:  # type: ignore[attr-defined]
        tcp.sendall(b"OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n")  # no Content-Length on a stream
        tcp.settimeout(5)
        assert tcp.recv(100) == b""  # the server closes the connection
    client.close()
    deadline = time.monotonic() + 5
    while stack_stats(sip_server)["malformed"] - before < len(junk) + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stack_stats(sip_server)["malformed"] - before == len(junk) + 1
    assert options_answered(sip_server)


def test_sip_over_tcp_works_too(sip_server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", sip_server.sip_port)) as tcp:  # type: ignore[attr-defined]
        port = tcp.getsockname()[1]
        tcp.sendall((f"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:{port};branch=z9hG4bKtcp1\r\n"
                     "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: tcp1\r\nCSeq: 1 OPTIONS\r\n"
                     "Content-Length: 0\r\n\r\n").encode())
        tcp.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            data += tcp.recv(4096)
    assert data.startswith(b"SIP/2.0 200 OK") and b"Allow: INVITE" in data


def test_invites_from_unknown_addresses_need_endpoint_credentials(sip_server: LiveServer) -> None:
    client = RawClient(sip_server.sip_port, "127.0.0.2")  # type: ignore[attr-defined]
    try:
        offer = OFFER.format(port=40000, payloads="0 101")
        challenge = client.request("INVITE", "stranger", ["Content-Type: application/sdp"], uri="sip:14155550123@127.0.0.1",
                                   body=offer)
        assert client.status(challenge) == 407 and "Proxy-Authenticate: Digest" in challenge
        auth = client.authorization(challenge, "stranger", "guess", "INVITE", "sip:14155550123@127.0.0.1",
                                    header="Proxy-Authorization")
        refused = client.request("INVITE", "stranger", ["Content-Type: application/sdp", auth],
                                 uri="sip:14155550123@127.0.0.1", body=offer)
        assert client.status(refused) == 403
    finally:
        client.close()


def test_an_invite_flood_from_one_address_is_rate_limited(sip_server: LiveServer) -> None:
    before = stack_stats(sip_server)["dropped"]
    client = RawClient(sip_server.sip_port, "127.0.0.3")  # type: ignore[attr-defined]
    client.sock.settimeout(1.0)
    for index in range(300):
        client.send((f"INVITE sip:1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.3:{client.port};branch=z9hG4bKfl{index}\r\n"
                     f"From: <sip:scan@x>;tag={index}\r\nTo: <sip:1@127.0.0.1>\r\nCall-ID: flood{index}\r\n"
                     "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n").encode())
    challenged: set[str] = set()  # by Call-ID: a 407 is retransmitted until ACKed, which a scanner never does
    try:
        while True:
            response = client.receive(skip_provisional=True)
            if response.startswith("SIP/2.0 407"):
                challenged.add(response.split("Call-ID: ", 1)[1].split("\r\n", 1)[0])
    except TimeoutError:
        pass
    client.close()
    assert 0 < len(challenged) < 100
    assert stack_stats(sip_server)["dropped"] - before >= 200
    assert options_answered(sip_server, "127.0.0.4")  # others are still served


def test_an_offer_without_g711_is_488_and_a_foreign_number_needs_credentials(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp
) -> None:
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    customer.route("/answer", "<Response><Speak>never</Speak></Response>")
    client = RawClient(sip_server.sip_port)  # type: ignore[attr-defined]
    try:
        refused = client.request("INVITE", "carrier", ["Content-Type: application/sdp"], uri=f"sip:{trunk.number}@127.0.0.1",
                                 body=OFFER.format(port=40002, payloads="18 101"))
        assert client.status(refused) == 488
        unknown = client.request("INVITE", "carrier", ["Content-Type: application/sdp"], uri="sip:19999999999@127.0.0.1",
                                 body=OFFER.format(port=40002, payloads="0 101"))
        assert client.status(unknown) == 407  # not this carrier's number: only an endpoint could call it
    finally:
        client.close()
    assert customer.requests_to("/answer") == []


def rtp_event(digit: int, sequence: int, timestamp: int, end: bool) -> bytes:
    return struct.pack("!BBHII", 0x80, 101, sequence, timestamp, 0x1234) + struct.pack("!BBH", digit, 0x8A if end else 0x0A, 800)


def test_rtp_from_a_third_party_is_ignored(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp
) -> None:
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    customer.route("/answer", f'<Response><GetDigits action="{customer.url("/digits")}" numDigits="1" timeout="20">'
                              "<Speak>Press a key</Speak></GetDigits></Response>")
    customer.route("/digits", "<Response><Hangup/></Response>")
    before = stack_stats(sip_server)
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media.bind(("127.0.0.1", 0))
    intruder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    intruder.bind(("127.0.0.2", 0))
    client = RawClient(sip_server.sip_port)  # type: ignore[attr-defined]
    try:
        ok = client.request("INVITE", "carrier", ["Content-Type: application/sdp"], uri=f"sip:{trunk.number}@127.0.0.1",
                            call_id="third-party", body=OFFER.format(port=media.getsockname()[1], payloads="0 101"))
        assert client.status(ok) == 200
        our_port = int(ok.split("m=audio ", 1)[1].split()[0])
        media.settimeout(5)
        media.recvfrom(2048)  # our stream is flowing
        intruder.sendto(rtp_event(9, 1, 1000, True), ("127.0.0.1", our_port))  # before the peer: not latched
        for sequence in range(2, 6):
            media.sendto(struct.pack("!BBHII", 0x80, 0, sequence, sequence * 160, 0x99) + b"\xff" * 160, ("127.0.0.1", our_port))
        intruder.sendto(rtp_event(7, 7, 2000, True), ("127.0.0.1", our_port))  # after: a stranger
        time.sleep(0.3)
        for repeat in range(3):
            media.sendto(rtp_event(3, 10 + repeat, 3000, True), ("127.0.0.1", our_port))
        digits = customer.wait_for("/digits")[0].params
        assert digits["Digits"] == "3"
    finally:
        client.close()
        media.close()
        intruder.close()
    deadline = time.monotonic() + 10
    while stack_stats(sip_server).get("legs", 0) == before.get("legs", 0) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stack_stats(sip_server)["wrong_source"] - before.get("wrong_source", 0) >= 2


def test_a_peer_that_stops_sending_rtp_is_hung_up_with_media_timeout(
    sip_server: LiveServer, sip_account: MainAccount, sip_sdk: RecordingClient, customer: CustomerApp
) -> None:
    trunk = trunk_number(sip_server, sip_account, sip_sdk, customer)
    customer.route("/answer", '<Response><Speak>Please hold.</Speak><Wait length="60"/></Response>')
    customer.route("/hangup", "")
    run = sipp(sip_server, "uac_silent.xml", "-m", "1", number=trunk.number, timeout=RTP_TIMEOUT + 25)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "6020" and hangup["HangupCause"] == "MEDIA_TIMEOUT"
    assert hangup["HangupSource"] == "Plivo"  # the platform detected it, not the caller
