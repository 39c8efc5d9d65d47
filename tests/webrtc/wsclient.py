"""A SIP-over-WebSocket client speaking the browser SDK's dialect (JsSIP's requests, as the SDK
sends them), for the cases a browser cannot be made to send and for tests without Chromium."""

import re
import secrets
import time

from websockets.sync.client import ClientConnection, connect

from switchboard.endpoints.digest import expected_response, ha1

DOMAIN = "phone.plivo.com"


class WsSipClient:
    def __init__(self, base_url: str, user: str, subprotocols: tuple[str, ...] = ("sip",)):
        self.url = base_url.replace("http://", "ws://").replace("https://", "wss://") + "/signalling"
        self.ws: ClientConnection = connect(self.url, subprotocols=list(subprotocols), open_timeout=5).__enter__()  # type: ignore[arg-type]
        self.user = user
        self.instance = secrets.token_hex(4)
        self.contact_uri = f"sip:{secrets.token_hex(4)}@{secrets.token_hex(6)}.invalid;transport=ws"
        self.count = 0
        self.call_id = f"{secrets.token_hex(10)}"

    def close(self) -> None:
        self.ws.close()

    def send(self, text: str) -> None:
        self.ws.send(text)

    def receive(self, timeout: float = 5.0) -> str:
        message = self.ws.recv(timeout)
        return message if isinstance(message, str) else message.decode()

    def request(self, method: str, uri: str, headers: list[str] | None = None, body: str = "",
                call_id: str | None = None, to_user: str | None = None) -> str:
        self.count += 1
        call_id = call_id or self.call_id
        lines = [f"{method} {uri} SIP/2.0", f"Via: SIP/2.0/WSS {secrets.token_hex(5)}.invalid;branch=z9hG4bK{secrets.token_hex(6)}",
                 "Max-Forwards: 69", f"To: <sip:{to_user or self.user}@{DOMAIN}>",
                 f'From: "{self.user}" <sip:{self.user}@{DOMAIN}>;tag={self.instance}', f"Call-ID: {call_id}",
                 f"CSeq: {self.count} {method}", *(headers or []), "User-Agent: PlivoSDK", f"Content-Length: {len(body.encode())}", "", body]
        self.send("\r\n".join(lines))
        while True:
            response = self.receive()
            if response.startswith("SIP/2.0 1"):
                continue
            if f"Call-ID: {call_id}\r\n" in response and f"CSeq: {self.count} {method}" in response:
                return response

    def register(self, password: str | None = None, token: str | None = None, expires: int = 120) -> str:
        headers = [f'Contact: <{self.contact_uri}>;+sip.ice;reg-id=1;+sip.instance="<urn:uuid:{self.instance}>";expires={expires}',
                   f"Expires: {expires}", "Supported: path,gruu,outbound"]
        if token:
            headers.append(f"X-Plivo-Jwt: {token}")
        response = self.request("REGISTER", f"sip:{DOMAIN}", headers)
        if status(response) == 401 and password is not None:
            response = self.request("REGISTER", f"sip:{DOMAIN}", [*headers, authorization(response, self.user, password, "REGISTER", f"sip:{DOMAIN}")])
        return response


def status(response: str) -> int:
    return int(response.split(" ", 2)[1])


def header(response: str, name: str) -> str | None:
    found = re.search(rf"^{re.escape(name)}:\s*(.*?)\r$", response, re.MULTILINE | re.IGNORECASE)
    return found.group(1) if found else None


def authorization(challenge: str, user: str, password: str, method: str, uri: str) -> str:
    realm = re.search(r'realm="([^"]+)"', challenge).group(1)  # type: ignore[union-attr]
    nonce = re.search(r'nonce="([^"]+)"', challenge).group(1)  # type: ignore[union-attr]
    answer = expected_response(ha1(user, realm, password), method, uri, nonce, qop="auth", nc="00000001", cnonce="c0ffee")
    return (f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{answer}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"')


def wait_until(check, seconds: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
