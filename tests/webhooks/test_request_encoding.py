"""The status-callback request as sent: the form body is what ``urlencode`` makes, and a main
account's ``-Ma-`` signatures (the same token signs both) validate with the official SDK."""

from urllib.parse import parse_qs, urlencode

from plivo.utils import validate_signature, validate_v3_signature

from switchboard.webhooks.signing import signature_headers
from switchboard.webhooks.transport import encode_form

PARAMS = {
    "MessageUUID": ["0936ec98-7c4c-11e4-9bd8-22000afa12b9"],
    "MessageTime": ["2026-11-23 05:03:57.123456"],
    "Text": ["Grüße, 東京! 100% & more: a+b=c/d?e#f~g_h.i-j"],
    "Empty": [""],
    "Repeated": ["1", "two words"],
    "ünïcode key": ["x"],
}


def test_form_body_is_urlencode_byte_for_byte() -> None:
    """The ASCII fast path (one translate table) must quote exactly as ``quote_plus`` does."""
    every_ascii = "".join(chr(code) for code in range(128))
    params = {**PARAMS, "All": [every_ascii]}
    assert encode_form(params) == urlencode(params, doseq=True).encode("ascii")
    assert parse_qs(encode_form(params).decode(), keep_blank_values=True) == params


def test_main_account_ma_signatures_validate() -> None:
    """With one token for the owner and the main account, the Ma- headers reuse the plain
    signatures: the SDK must accept them with that token."""
    url = "https://example.com/status?x=1"
    headers = signature_headers("POST", url, PARAMS, "main-token", "main-token")
    nonce2, nonce3 = headers["X-Plivo-Signature-V2-Nonce"], headers["X-Plivo-Signature-V3-Nonce"]
    assert validate_signature(url, nonce2, headers["X-Plivo-Signature-Ma-V2"], "main-token")
    assert validate_v3_signature("POST", url, nonce3, "main-token", headers["X-Plivo-Signature-Ma-V3"], PARAMS)
    assert not validate_v3_signature("POST", url, nonce3, "other-token", headers["X-Plivo-Signature-Ma-V3"], PARAMS)
