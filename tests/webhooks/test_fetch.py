"""Synchronous fetches against real local HTTP servers: good answers, bad answers, fallback."""

import ssl
from datetime import datetime, timezone

import pytest
import trustme
from plivo.utils import validate_signature, validate_v3_signature

from switchboard.webhooks import Failure
from switchboard.webhooks.transport import Transport
from switchboard.webhooks.urls import RetryPolicy
from tests.helpers import LiveServer, MainAccount
from tests.webhooks.helpers import fetch, log_entries
from tests.webhooks.receivers import RawReceiver, Receiver


@pytest.fixture
def receiver():
    with Receiver() as live:
        yield live


def test_answer_fetch_posts_signed_form_and_returns_the_document(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/ok?app=ivr"), {"From": "14155550100", "Text": "Grüße ✓", "Digits": ["1", "2"]})
    assert result.ok and result.status == 200
    assert result.text.startswith("<Response>")
    [request] = receiver.requests
    assert request.method == "POST"
    assert request.target == "/ok?app=ivr"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.form == {"From": ["14155550100"], "Text": ["Grüße ✓"], "Digits": ["1", "2"]}
    h = request.headers
    assert validate_v3_signature("POST", request.url, h["X-Plivo-Signature-V3-Nonce"], account.auth_token, h["X-Plivo-Signature-V3"], request.form)
    assert validate_v3_signature("POST", request.url, h["X-Plivo-Signature-V3-Nonce"], account.auth_token, h["X-Plivo-Signature-Ma-V3"], request.form)
    assert validate_signature(request.url, h["X-Plivo-Signature-V2-Nonce"], h["X-Plivo-Signature-V2"], account.auth_token)
    [entry] = log_entries(server, account, request_id=result.request_id)
    assert (entry["outcome"], entry["status_code"], entry["kind"], entry["method"]) == ("success", 200, "fetch", "POST")
    assert entry["url"] == receiver.url("/ok?app=ivr")
    assert entry["params"]["Text"] == ["Grüße ✓"]
    assert entry["response_snippet"].startswith("<Response>")


def test_get_fetch_keeps_query_and_signature_validates(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/ok?keep=1&keep=2"), {"From": "1", "keep": "3"}, method="GET")
    assert result.ok
    [request] = receiver.requests
    assert request.method == "GET" and request.body == b""
    assert request.query == {"keep": ["1", "2", "3"], "From": ["1"]}
    h = request.headers
    assert validate_v3_signature("GET", request.url, h["X-Plivo-Signature-V3-Nonce"], account.auth_token, h["X-Plivo-Signature-V3"])
    assert validate_signature(request.url, h["X-Plivo-Signature-V2-Nonce"], h["X-Plivo-Signature-V2"], account.auth_token)


def test_relative_action_url_is_resolved_against_the_document(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, "ok/next?step=2", base_url=receiver.url("/ok/menu.xml#rc=0"))
    assert result.ok
    assert receiver.requests[0].target == "/ok/ok/next?step=2"


def test_fragment_is_applied_and_never_sent(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/hang#rt=300&rc=2&tt=5000"))
    assert not result.ok and result.failure is Failure.READ
    assert "read timeout" in result.error and "300 ms" in result.error
    assert len(receiver.to("/hang")) == 3, "rc=2 means three attempts on a read timeout"
    assert all("#" not in r.target for r in receiver.requests)
    entries = log_entries(server, account, request_id=result.request_id)
    assert [e["outcome"] for e in entries] == ["retrying", "retrying", "failed"]
    assert [e["attempt"] for e in entries] == [1, 2, 3]
    assert all(e["status_code"] is None and "read timeout" in e["error"] for e in entries)


def test_total_time_limit_stops_retries(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/hang#rt=40000&tt=400&rc=5"))
    assert result.failure is Failure.READ
    assert "total time limit of 400 ms" in result.error
    assert len(receiver.to("/hang")) == 1


def test_500_is_not_retried_by_default(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/status/500"))
    assert result.failure is Failure.SERVER_ERROR
    assert result.error == "HTTP 500 Internal Server Error"
    assert len(receiver.requests) == 1


def test_5xx_retried_when_the_fragment_asks(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/status/503#rc=2&rp=5xx"))
    assert result.failure is Failure.SERVER_ERROR and result.attempts == 3
    assert len(receiver.requests) == 3


def test_404_is_a_client_error(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/status/404"))
    assert (result.failure, result.error) == (Failure.CLIENT_ERROR, "HTTP 404 Not Found")


def test_connection_reset_is_a_read_failure_and_retried(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/reset"))
    assert result.failure is Failure.READ
    assert "connection" in result.error
    assert len(receiver.to("/reset")) == 2, "the default rc=1 retries a read failure once"


def test_closed_without_response(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/close#rc=0"))
    assert result.failure is Failure.READ
    assert "closed before a complete response" in result.error or "reset" in result.error


def test_redirect_loop_is_not_followed(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/loop"))
    assert result.failure is Failure.REDIRECT
    assert result.error == "HTTP 302 Found: redirects are not followed (Location: /loop)"
    assert len(receiver.requests) == 1


def test_html_instead_of_xml(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/html"))
    assert not result.ok and result.invalid_document
    assert result.failure is Failure.INVALID_BODY
    assert result.error == "response is HTML (text/html), not Plivo XML"
    assert result.status == 200


def test_check_can_be_turned_off(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    assert fetch(server, account, receiver.url("/html"), check=None).ok


@pytest.mark.parametrize("path", ["/huge", "/endless"])
def test_50_megabyte_answer_is_cut_off(server: LiveServer, account: MainAccount, receiver: Receiver, path: str) -> None:
    result = fetch(server, account, receiver.url(path))
    assert result.failure is Failure.TOO_LARGE and result.invalid_document
    assert "102400-byte limit" in result.error
    assert result.body == b""
    [entry] = log_entries(server, account, request_id=result.request_id)
    assert entry["outcome"] == "failed" and len(entry["response_snippet"]) <= 1024


@pytest.mark.parametrize(("payload", "reason"), [
    (b"NOT HTTP AT ALL\r\n\r\n", "invalid HTTP response (Expected HTTP/"),
    (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 10_000 + b"\r\n\r\n", "invalid HTTP response (a header line over 8190 bytes)"),
    (b"HTTP/1.1 200 OK\r\n" + b"X-Many: aaaaaaaaaaaaaaaa\r\n" * 5_000 + b"\r\n", "invalid HTTP response (status line and headers over 65536 bytes)"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<Resp", "connection closed before the complete response body"),
], ids=["not-http", "huge-header", "too-many-headers", "truncated-body"])
def test_answers_that_are_not_complete_http(server: LiveServer, account: MainAccount, payload: bytes, reason: str) -> None:
    with RawReceiver(payload) as raw:
        result = fetch(server, account, raw.url + "#rc=0")
    assert result.failure is Failure.READ and result.error.startswith(reason)
    assert "\n" not in result.error and len(result.error) < 400
    [entry] = log_entries(server, account, request_id=result.request_id)
    assert (entry["outcome"], entry["error"]) == ("failed", result.error)


def test_connection_refused(server: LiveServer, account: MainAccount) -> None:
    with Receiver() as gone:
        url = gone.url("/ok#rc=0")
    result = fetch(server, account, url)
    assert (result.failure, result.error) == (Failure.CONNECT, "connection refused")


def tls_server(ca: trustme.CA, host: str = "127.0.0.1") -> ssl.SSLContext:
    """A server-side TLS context with a certificate for ``host`` issued by ``ca``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(host).configure_cert(context)
    return context


def test_untrusted_tls_certificate(server: LiveServer, account: MainAccount) -> None:
    with Receiver(tls=tls_server(trustme.CA())) as secure:
        result = fetch(server, account, secure.url("/ok#rc=0"))
    assert result.failure is Failure.TLS
    assert result.error.startswith("TLS certificate not trusted: ")
    assert "certificate" in result.error


def test_tls_handshake_failure(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    """An https URL whose server does not speak TLS (a plain HTTP port)."""
    result = fetch(server, account, receiver.url("/ok#rc=0").replace("http://", "https://"))
    assert result.failure is Failure.TLS
    assert result.error.startswith("TLS handshake failed: ")
    [entry] = log_entries(server, account, request_id=result.request_id)
    assert (entry["outcome"], entry["error"]) == ("failed", result.error)


def test_certificate_for_another_host(server: LiveServer, account: MainAccount) -> None:
    with Receiver(tls=tls_server(trustme.CA(), "other.example")) as secure:
        result = fetch(server, account, secure.url("/ok#rc=0"))
        assert secure.requests == []
    assert result.failure is Failure.TLS and result.error.startswith("TLS certificate not trusted: ")


def test_fallback_url_used_when_answer_fails(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/status/500"), fallback_url=receiver.url("/ok?fallback=1"), fallback_method="GET")
    assert result.ok and result.fallback_used
    assert result.primary_error == "HTTP 500 Internal Server Error"
    assert [r.target.split("?")[0] for r in receiver.requests] == ["/status/500", "/ok"]
    assert receiver.requests[1].method == "GET"
    assert receiver.requests[1].query["CallUUID"] == ["test-call"]
    entries = log_entries(server, account, request_id=result.request_id)
    assert [(e["outcome"], e["url"].split("?")[0]) for e in entries] == [("failed", receiver.url("/status/500")), ("success", receiver.url("/ok"))]


def test_fallback_used_when_answer_is_not_xml(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/html"), fallback_url=receiver.url("/ok"))
    assert result.ok and result.fallback_used


BAD_ANSWERS = [
    ("/hang#rt=300&rc=0", Failure.READ, "read timeout: no response data for 300 ms"),
    ("/reset#rc=0", Failure.READ, "connection reset ("),
    ("/status/500", Failure.SERVER_ERROR, "HTTP 500 Internal Server Error"),
    ("/loop", Failure.REDIRECT, "HTTP 302 Found: redirects are not followed (Location: /loop)"),
    ("/html", Failure.INVALID_BODY, "response is HTML (text/html), not Plivo XML"),
    ("/huge", Failure.TOO_LARGE, "response body of 52428800 bytes exceeds the 102400-byte limit"),
    ("tls", Failure.TLS, "TLS handshake failed: "),
]


@pytest.mark.parametrize(("path", "failure", "reason"), BAD_ANSWERS, ids=[case[0].split("#")[0] for case in BAD_ANSWERS])
def test_every_bad_answer_url_ends_in_the_fallback(server: LiveServer, account: MainAccount, receiver: Receiver,
                                                     path: str, failure: Failure, reason: str) -> None:
    """Each misbehaving endpoint is a logged failure with its precise reason, then the fallback URL runs."""
    url = receiver.url("/ok#rc=0").replace("http://", "https://") if path == "tls" else receiver.url(path)
    without = fetch(server, account, url)
    assert (without.ok, without.failure) == (False, failure) and without.error.startswith(reason)
    result = fetch(server, account, url, fallback_url=receiver.url("/ok?fallback=1"))
    assert result.ok and result.fallback_used and result.text.startswith("<Response>")
    assert result.primary_error.startswith(reason)
    entries = log_entries(server, account, request_id=result.request_id)
    assert [e["outcome"] for e in entries] == ["failed", "success"]
    assert entries[0]["error"] == result.primary_error and entries[1]["url"] == receiver.url("/ok?fallback=1")


def test_both_failing_reports_the_fallbacks_failure(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/html"), fallback_url=receiver.url("/loop"))
    assert not result.ok and result.fallback_used
    assert result.failure is Failure.REDIRECT
    assert result.primary_error.startswith("response is HTML")


def test_invalid_url_is_a_logged_failure(server: LiveServer, account: MainAccount) -> None:
    result = fetch(server, account, "not a url")
    assert result.failure is Failure.INVALID_URL
    [entry] = log_entries(server, account, request_id=result.request_id)
    assert entry["outcome"] == "failed" and "not an absolute http(s) URL" in entry["error"]


async def test_tls_with_a_trusted_ca_works() -> None:
    """With the receiver's CA trusted (what --webhook-ca-file does), https URLs are called normally."""
    ca = trustme.CA()
    server_context = tls_server(ca)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    transport = Transport(verify=client_context)
    try:
        with Receiver(tls=server_context) as secure:
            attempt = await transport.send("POST", secure.url("/ok"), b"a=1", {}, RetryPolicy(), started=datetime.now(timezone.utc),
                                           cap=1024, cap_is_error=True)
            assert secure.requests[0].form == {"a": ["1"]}
    finally:
        await transport.aclose()
    assert attempt.ok and attempt.status == 200 and attempt.body.startswith(b"<Response>")
