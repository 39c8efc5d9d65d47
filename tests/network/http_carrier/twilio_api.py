"""A local carrier speaking Twilio's Messaging API shape: ``POST /2010-04-01/Accounts/{Sid}/Messages.json``
(form, HTTP Basic), answering 201 with the message resource, then posting signed status
callbacks (``sent``, then ``delivered``) to the ``StatusCallback`` URL; and signed inbound
webhooks on demand. Twilio's test number +15005550001 is refused as invalid (error 21211)."""

import base64
import hashlib
import hmac
import itertools
import json
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

INVALID = "+15005550001"


def sign(token: str, url: str, params: dict[str, str]) -> str:
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def post_signed(token: str, url: str, params: dict[str, str], signature: str | None = None) -> int:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(), method="POST",
                                     headers={"X-Twilio-Signature": signature if signature is not None else sign(token, url, params)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class TwilioApi:
    def __init__(self, sid: str = "AC0123456789abcdef0123456789abcdef", token: str = "twilio-token-1"):
        self.sid, self.token = sid, token
        self.sent: list[dict[str, Any]] = []
        self.callback_results: list[int] = []
        self.down = False
        self.refused = 0
        self._ids = itertools.count(1)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
                expected = "Basic " + base64.b64encode(f"{api.sid}:{api.token}".encode()).decode()
                if api.down:
                    api.refused += 1
                    return self._answer(503, {"code": 20500, "message": "Service unavailable"})
                if self.path != f"/2010-04-01/Accounts/{api.sid}/Messages.json":
                    return self._answer(404, {"code": 20404, "message": "not found"})
                if self.headers.get("Authorization") != expected:
                    return self._answer(401, {"code": 20003, "message": "Authenticate"})
                fields = {key: values[0] for key, values in form.items()}
                api.sent.append(fields | {"MediaUrl": form.get("MediaUrl", [])})
                if fields.get("To") == INVALID:
                    return self._answer(400, {"code": 21211, "message": "The 'To' number is not a valid phone number."})
                sid = f"SM{next(api._ids):032x}"
                self._answer(201, {"sid": sid, "status": "queued", "to": fields.get("To"), "from": fields.get("From"),
                                   "body": fields.get("Body"), "num_segments": "1"})
                callback = fields.get("StatusCallback")
                if callback:
                    threading.Thread(target=api._report, args=(callback, sid, fields), daemon=True).start()

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _report(self, url: str, sid: str, fields: dict[str, str]) -> None:
        for status in ("sent", "delivered"):
            params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "To": fields["To"], "From": fields["From"],
                      "AccountSid": self.sid, "ApiVersion": "2010-04-01"}
            self.callback_results.append(post_signed(self.token, url, params))

    def __enter__(self) -> "TwilioApi":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
