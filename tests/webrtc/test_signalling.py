"""SIP over WebSocket at ``/signalling`` (RFC 7118) in the browser SDK's dialect, with a Python
WebSocket client (``wsclient.py``): password and token login, keep-alives, the flow's end."""

import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.webrtc.wsclient import WsSipClient, header, status, wait_until


def endpoint(sdk: RecordingClient, password: str = "s3cret!") -> str:
    return sdk.endpoints.create(username="alice", password=password, alias="Alice browser").username


def registered(sdk: RecordingClient, username: str) -> dict:
    found = [e for e in sdk.endpoints.list().objects if e.username == username][0]
    return sdk.endpoints.get(found.endpoint_id).__dict__


def test_password_login_keepalives_and_the_flow_ending(sip_server: LiveServer, sip_sdk: RecordingClient) -> None:
    user = endpoint(sip_sdk)
    client = WsSipClient(sip_server.base_url, user)
    assert client.ws.subprotocol == "sip"
    challenge = client.request("REGISTER", "sip:phone.plivo.com", ["Expires: 120", f"Contact: <{client.contact_uri}>;expires=120"])
    assert status(challenge) == 401
    response = client.register(password="s3cret!")
    assert status(response) == 200, response
    assert f"<{client.contact_uri}>;expires=120" in response
    shown = registered(sip_sdk, user)
    assert shown["sip_registered"] == "true" and shown["sip_contact"] == client.contact_uri
    assert shown["sip_user_agent"] == "PlivoSDK"

    pong = client.request("OPTIONS", f"sip:admin@phone.plivo.com", ["Content-Type: text/plain"], body="pong", to_user="admin")
    assert status(pong) == 200
    address = client.request("MESSAGE", "sip:admin@phone.plivo.com", ["Content-Type: text/plain"], body="ipAddress", to_user="admin")
    assert status(address) == 200 and address.endswith("\r\n\r\n127.0.0.1")

    client.close()
    assert wait_until(lambda: registered(sip_sdk, user)["sip_registered"] == "false")


def test_wrong_password_is_403(sip_server: LiveServer, sip_sdk: RecordingClient) -> None:
    user = endpoint(sip_sdk)
    client = WsSipClient(sip_server.base_url, user)
    assert status(client.register(password="wrong!")) == 403
    client.close()


def test_token_login_gives_the_expiry_and_errors_carry_plivos_codes(sip_server: LiveServer, sip_sdk: RecordingClient,
                                                                    sip_account: MainAccount) -> None:
    user = endpoint(sip_sdk)
    now = int(time.time())
    token = sip_sdk.token.create(sip_account.auth_id, sub=user, incoming_allow=True, outgoing_allow=True,
                                 nbf=str(now), exp=str(now + 600)).token
    client = WsSipClient(sip_server.base_url, f"{user}_{sip_account.auth_id}")
    response = client.register(token=token)
    assert status(response) == 200, response
    assert header(response, "X-Plivo-Jwt") == f"exp={now + 600}"
    assert registered(sip_sdk, user)["sip_registered"] == "true"

    outgoing_only = sip_sdk.token.create(sip_account.auth_id, outgoing_allow=True).token
    anonymous = WsSipClient(sip_server.base_url, f"puser{now}000jt_{sip_account.auth_id}")
    assert status(anonymous.register(token=outgoing_only)) == 200

    cases = [
        (f"{user}_{sip_account.auth_id}", token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"), 10007),
        (f"{user}_{sip_account.auth_id}", "garbage", 10001),
        (f"someone_{sip_account.auth_id}", token, 10004),  # the SIP user is not the token's
        (f"nobody_{sip_account.auth_id}", sip_sdk.token.create(sip_account.auth_id, sub="nobody", incoming_allow=True).token, 10004),
    ]
    for sip_user, bad, code in cases:
        other = WsSipClient(sip_server.base_url, sip_user)
        refused = other.register(token=bad)
        assert status(refused) == 403 and header(refused, "X-Plivo-Jwt-Error-Code") == str(code), (code, refused)
        other.close()
    client.close()
    anonymous.close()


def test_a_websocket_without_the_sip_subprotocol_is_refused(sip_server: LiveServer) -> None:
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        client = WsSipClient(sip_server.base_url, "x", subprotocols=("chat",))
        client.receive(2)


def test_malformed_sip_is_dropped_and_the_flow_lives_on(sip_server: LiveServer, sip_sdk: RecordingClient) -> None:
    user = endpoint(sip_sdk)
    client = WsSipClient(sip_server.base_url, user)
    client.send("HELLO there\r\n\r\n")
    client.send("\x00\x01 not sip at all")
    client.send("\r\n\r\n")  # a keep-alive
    assert status(client.register(password="s3cret!")) == 200
    client.close()


def test_an_invite_needs_the_outgoing_grant_and_a_usable_offer(sip_server: LiveServer, sip_sdk: RecordingClient,
                                                               sip_account: MainAccount) -> None:
    user = endpoint(sip_sdk)
    incoming_only = sip_sdk.token.create(sip_account.auth_id, sub=user, incoming_allow=True).token
    client = WsSipClient(sip_server.base_url, f"{user}_{sip_account.auth_id}")
    offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n"
    headers = ["Content-Type: application/sdp", f"X-Plivo-Jwt: {incoming_only}", f"Contact: <{client.contact_uri}>"]
    refused = client.request("INVITE", "sip:14155550199@phone.plivo.com", headers, body=offer, call_id="call-1")
    assert status(refused) == 403 and header(refused, "X-Plivo-Jwt-Error-Code") == "10008"

    both = sip_sdk.token.create(sip_account.auth_id, sub=user, incoming_allow=True, outgoing_allow=True).token
    headers[1] = f"X-Plivo-Jwt: {both}"
    no_ice = client.request("INVITE", "sip:14155550199@phone.plivo.com", headers, body=offer, call_id="call-2")
    assert status(no_ice) == 488, no_ice  # no ICE credentials, no DTLS fingerprint
    no_offer = client.request("INVITE", "sip:14155550199@phone.plivo.com", headers, call_id="call-3")
    assert status(no_offer) == 488
    client.close()


def test_a_websocket_that_never_speaks_is_closed(sip_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from switchboard.network.sip import websocket

    monkeypatch.setattr(websocket, "FIRST_MESSAGE_SECONDS", 0.3)
    client = WsSipClient(sip_server.base_url, "quiet")
    with pytest.raises(ConnectionClosed):
        client.receive(10)


def test_a_register_flood_over_one_websocket_is_cut_short(sip_server: LiveServer, sip_sdk: RecordingClient,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    guard = sip_server.app.state.sip.guard
    monkeypatch.setattr(guard, "trusted", [])  # other tests may have made 127.0.0.1 a carrier address
    user = endpoint(sip_sdk)
    client = WsSipClient(sip_server.base_url, user)
    sent = 200
    for number in range(sent):
        client.send("\r\n".join([
            "REGISTER sip:phone.plivo.com SIP/2.0", f"Via: SIP/2.0/WSS x.invalid;branch=z9hG4bKflood{number}",
            "Max-Forwards: 69", f"To: <sip:{user}@phone.plivo.com>", f"From: <sip:{user}@phone.plivo.com>;tag=f",
            f"Call-ID: flood-{number}", f"CSeq: 1 REGISTER", "Expires: 120", "Content-Length: 0", "", ""]))
    answers = 0
    try:
        while True:
            answers += client.receive(2.0).startswith("SIP/2.0 401")
    except TimeoutError:
        pass
    guard.buckets.pop("127.0.0.1", None)  # the next test's requests are not part of the flood
    assert 0 < answers < sent  # challenged at first, then dropped without an answer
    client.close()


def _browser_like_offer(codec_line: str | None) -> str:
    """A real WebRTC offer (aiortc's: ICE, DTLS fingerprint, rtcp-mux, BUNDLE); with ``codec_line``
    (``"102 iLBC/8000"``) its codecs are replaced by that one."""
    import asyncio

    from aiortc import RTCConfiguration, RTCPeerConnection
    from aiortc.mediastreams import AudioStreamTrack

    async def make() -> str:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTrack(AudioStreamTrack())
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        await pc.close()
        return sdp

    sdp = asyncio.run(make())
    if codec_line is None:
        return sdp
    payload_type = codec_line.split()[0]
    lines = []
    for line in sdp.split("\r\n"):
        if line.startswith("m=audio"):
            line = " ".join(line.split(" ")[:3] + [payload_type])
        if line.startswith(("a=rtpmap:", "a=fmtp:", "a=rtcp-fb:")):
            continue
        lines.append(line)
        if line.startswith("a=mid:"):
            lines.append(f"a=rtpmap:{codec_line}")
    return "\r\n".join(lines)


def test_an_offer_with_no_usable_codec_is_488(sip_server: LiveServer, sip_sdk: RecordingClient) -> None:
    user = endpoint(sip_sdk)
    client = WsSipClient(sip_server.base_url, user)
    assert status(client.register(password="s3cret!")) == 200
    headers = ["Content-Type: application/sdp", f"Contact: <{client.contact_uri}>"]
    challenge = client.request("INVITE", "sip:14155550199@phone.plivo.com", headers, body=_browser_like_offer("102 iLBC/8000"),
                               call_id="ilbc")
    assert status(challenge) == 407
    from tests.webrtc.wsclient import authorization

    credentials = authorization(challenge, user, "s3cret!", "INVITE", "sip:14155550199@phone.plivo.com")
    credentials = credentials.replace("Authorization:", "Proxy-Authorization:", 1)
    refused = client.request("INVITE", "sip:14155550199@phone.plivo.com", [*headers, credentials],
                             body=_browser_like_offer("102 iLBC/8000"), call_id="ilbc")
    assert status(refused) == 488, refused
    client.close()
