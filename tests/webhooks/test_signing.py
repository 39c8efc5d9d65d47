"""Signatures: the reference's test vectors, and the official SDK's validators on our output."""

from urllib.parse import parse_qs, urlsplit

import pytest
from plivo.utils import validate_signature, validate_v3_signature
from plivo.utils.signature_v3 import get_signature_v3, get_sorted_params_string, get_sorted_query_string

from switchboard.webhooks.signing import signature_headers, signature_v2, signature_v3, v3_base
from switchboard.webhooks.urls import normalize_params, request_url

TOKEN = "my_auth_token"
NONCE = "12345"


def test_v2_reference_vector() -> None:
    assert signature_v2("https://answer.url", NONCE, TOKEN) == "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc="


@pytest.mark.parametrize(
    ("method", "url", "params", "base", "signature"),
    [
        ("POST", "https://example.com/answer?b=2&a=1", {"From": "1415", "To": "1416", "CallUUID": "abc"},
         "https://example.com/answer?a=1&b=2.CallUUIDabcFrom1415To1416", "YJRLHJmTP3S4FgZVr4yMk1KDKUOOv31GFPqRwEn3+Eg="),
        ("POST", "https://example.com/answer", {"From": "1415", "To": "1416"},
         "https://example.com/answer?From1415To1416", "94soHHyr2kkzs3GUtRIIS0GmPhlr7/ZQ4Mbtyn4u0pU="),
        ("GET", "https://example.com/answer?b=2&a=1", {"From": "1415"},
         "https://example.com/answer?From=1415&a=1&b=2", "8HJ6cJ1X1Xrzb3MLgOupxmmxsgg1V8AGoTc9HAzA4a8="),
    ],
)
def test_v3_reference_vectors(method: str, url: str, params: dict[str, str], base: str, signature: str) -> None:
    assert v3_base(method, url, params) == base
    assert signature_v3(method, url, params, NONCE, TOKEN) == signature
    assert validate_v3_signature(method, url, NONCE, TOKEN, signature, dict(params))


CASES = [
    ("POST", "http://127.0.0.1:9000/answer", {"From": "14155550100", "CallUUID": "c1"}),
    ("POST", "http://127.0.0.1:9000/answer?lang=fr&b=2", {"From": "1", "To": "2"}),
    ("POST", "http://127.0.0.1:9000/answer?lang=fr", {}),
    ("POST", "http://127.0.0.1:9000/answer", {}),
    ("POST", "https://hooks.example.org/a/b?x=1&x=0", {"Digits": ["3", "1", "2"], "Event": "Hangup"}),
    ("POST", "http://127.0.0.1:9000/ü/answer?name=Zoe", {"Text": "Grüße, 世界 ✓", "From": "+4930 123"}),
    ("POST", "http://127.0.0.1:9000/answer", {"Body": "a=b&c=d", "Empty": "", "Plus": "1+1 2"}),
    ("GET", "http://127.0.0.1:9000/answer", {"From": "14155550100", "CallStatus": "ringing"}),
    ("GET", "http://127.0.0.1:9000/answer?keep=me&keep=too", {"From": "1", "keep": "x"}),
    ("GET", "http://127.0.0.1:9000/answer", {}),
]


@pytest.mark.parametrize(("method", "url", "params"), CASES)
def test_sdk_validators_accept_our_headers(method: str, url: str, params: dict) -> None:
    payload = normalize_params(params)
    sent = request_url(url, method, payload)
    body = payload if method == "POST" else {}
    headers = signature_headers(method, sent, body, "sub-account-token-123", "main-account-token-456")
    nonce2, nonce3 = headers["X-Plivo-Signature-V2-Nonce"], headers["X-Plivo-Signature-V3-Nonce"]
    assert validate_signature(sent, nonce2, headers["X-Plivo-Signature-V2"], "sub-account-token-123")
    assert validate_signature(sent, nonce2, headers["X-Plivo-Signature-Ma-V2"], "main-account-token-456")
    received = {key: list(values) for key, values in body.items()}
    assert validate_v3_signature(method, sent, nonce3, "sub-account-token-123", headers["X-Plivo-Signature-V3"], received)
    assert validate_v3_signature(method, sent, nonce3, "main-account-token-456", headers["X-Plivo-Signature-Ma-V3"], received)
    assert not validate_v3_signature(method, sent, nonce3, "wrong-token", headers["X-Plivo-Signature-V3"], received)


def test_nonces_differ_between_requests() -> None:
    first = signature_headers("POST", "http://h/x", {}, "t", "t")
    second = signature_headers("POST", "http://h/x", {}, "t", "t")
    assert first["X-Plivo-Signature-V3-Nonce"] != second["X-Plivo-Signature-V3-Nonce"]
    assert first["X-Plivo-Signature-V3"] != second["X-Plivo-Signature-V3"]


def test_changed_parameter_breaks_the_signature() -> None:
    headers = signature_headers("POST", "http://h/x", {"Digits": ["1"]}, "t", "t")
    nonce = headers["X-Plivo-Signature-V3-Nonce"]
    assert validate_v3_signature("POST", "http://h/x", nonce, "t", headers["X-Plivo-Signature-V3"], {"Digits": "1"})
    assert not validate_v3_signature("POST", "http://h/x", nonce, "t", headers["X-Plivo-Signature-V3"], {"Digits": "2"})


@pytest.mark.parametrize(
    ("method", "url", "params"),
    [
        ("GET", "http://127.0.0.1:9000/answer?q=é", {"Text": "Grüße ✓", "Digits": ["9", "8"]}),
        ("POST", "http://127.0.0.1:9000/answer?name=Zoë", {"Text": "世界"}),
    ],
)
def test_non_ascii_query_strings(method: str, url: str, params: dict) -> None:
    """Plivo's Python SDK 4.63 cannot validate V3 when the *query string* holds non-ASCII text
    (it runs ``parse_qs`` on bytes, which raises). Our signature is checked with the SDK's own
    base-string and HMAC helpers on the decoded parameters instead, and V2 with its validator."""
    payload = normalize_params(params)
    sent = request_url(url, method, payload)
    body = payload if method == "POST" else {}
    headers = signature_headers(method, sent, body, TOKEN, TOKEN)
    nonce = headers["X-Plivo-Signature-V3-Nonce"]
    with pytest.raises(UnicodeEncodeError):
        validate_v3_signature(method, sent, nonce, TOKEN, headers["X-Plivo-Signature-V3"], dict(body))
    root = sent.split("?")[0]
    query = {k: v for k, v in parse_qs(urlsplit(sent).query, keep_blank_values=True).items()}
    if method == "GET":
        base = f"{root}?{get_sorted_query_string(query)}"
    else:
        base = f"{root}?{get_sorted_query_string(query)}.{get_sorted_params_string(dict(body))}"
    expected = get_signature_v3(TOKEN.encode(), base, nonce.encode()).decode()
    assert headers["X-Plivo-Signature-V3"] == expected
    assert validate_signature(sent, headers["X-Plivo-Signature-V2-Nonce"], headers["X-Plivo-Signature-V2"], TOKEN)
