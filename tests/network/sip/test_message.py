"""The SIP parser against messages in the spirit of RFC 4475 (torture tests): what a robust
element must accept, and what it must refuse rather than guess."""

import pytest

from switchboard.network.sip.address import NameAddr, SipUri, Via
from switchboard.network.sip.message import Request, Response, SipParseError, frame, parse, response_to


def msg(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


BASE = """INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0
Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKkdjuw
To: <sip:vivekg@chair-dnrc.example.com>
From: <sip:alice@example.com>;tag=98asjd8
Call-ID: 0ha0isndaksdj@192.0.2.1
CSeq: 8 INVITE
Max-Forwards: 70
Content-Length: 0

"""


def test_a_wide_range_of_valid_forms_is_understood() -> None:
    text = """INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0
TO :
 sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n
from   : "J Rosenberg \\\\\\"" <sip:jdrosen@example.com>
  ;
  tag = 98asjd8
MaX-fOrWaRdS: 0068
Call-ID: wsinv.ndaksdj@192.0.2.1
Content-Length   : 4
cseq: 0009
  INVITE
Via  : SIP  /   2.0
 /UDP
    192.0.2.2;branch=390skdjuw
s :
NewFangledHeader:   newfangled value
 continued newfangled value
UnknownHeaderWithUnusualValue: ;;,,;;,;
Content-Type: application/sdp
Route:
 <sip:services.example.com;lr;unknownwith=value;unknown-no-value>
v:  SIP  / 2.0  / TCP     spindle.example.com   ;
  branch  =   z9hG4bK9ikj8  ,
 SIP  /    2.0   / UDP  192.168.255.111   ; branch=
 z9hG4bK30239
m:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =
      newvalue ;
  secondparam ; q = 0.33

v=0
"""
    request = parse(msg(text))
    assert isinstance(request, Request)
    assert request.method == "INVITE" and request.cseq == (9, "INVITE")
    vias = request.via
    assert len(vias) == 3
    assert Via.parse(vias[1]).host == "spindle.example.com" and Via.parse(vias[1]).transport == "TCP"
    assert Via.parse(vias[2]).branch == "z9hG4bK30239"
    assert NameAddr.parse(request.headers.get("To") or "").tag == "1918181833n"
    assert NameAddr.parse(request.headers.get("From") or "").tag == "98asjd8"
    assert request.headers.get("Subject") == ""
    assert "continued newfangled value" in (request.headers.get("NewFangledHeader") or "")
    assert NameAddr.parse(request.headers.get("Contact") or "").params["q"] == "0.33"
    assert request.body == b"v=0\r"[:4]


def test_compact_forms_and_case_are_the_same_headers() -> None:
    text = """OPTIONS sip:user@example.com SIP/2.0
v: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw
t: sip:user@example.com
f: sip:caller@example.net;tag=134161461246
i: 1@1
cSeQ: 1 OPTIONS
l: 0

"""
    request = parse(msg(text))
    assert request.call_id == "1@1" and request.headers.get("To") == "sip:user@example.com"
    assert request.headers.get("content-length") == "0"


def test_responses_parse_and_keep_their_reason() -> None:
    text = """SIP/2.0 486 Busy Here Today
Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKx
To: <sip:b@x>;tag=2
From: <sip:a@x>;tag=1
Call-ID: c
CSeq: 1 INVITE
Content-Length: 0

"""
    response = parse(msg(text))
    assert isinstance(response, Response) and response.status == 486 and response.reason == "Busy Here Today"


def test_escaped_and_unusual_uris() -> None:
    uri = SipUri.parse("sip:sips%3Auser%40example.com@example.net;transport=TCP")
    assert uri.user == "sips:user@example.com" and uri.host == "example.net" and uri.transport == "tcp"
    assert SipUri.parse("sip:[2001:db8::10]:5070").port == 5070
    with pytest.raises(ValueError):
        SipUri.parse("sip:user@example.com:99999")
    with pytest.raises(ValueError):
        SipUri.parse("http://example.com/")


@pytest.mark.parametrize("change, why", [
    (("Content-Length: 0", "Content-Length: 9999"), "Content-Length"),
    (("Content-Length: 0", "Content-Length: -999"), "Content-Length"),
    (("CSeq: 8 INVITE", "CSeq: 8 REGISTER"), "does not match"),
    (("CSeq: 8 INVITE", "CSeq: 36893488147419103232 INVITE"), "CSeq"),
    (("SIP/2.0\n", "SIP/7.0\n"), "version"),
    (("Call-ID: 0ha0isndaksdj@192.0.2.1\n", ""), "Call-ID"),
    (("Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKkdjuw\n", ""), "Via"),
    (("INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0", "INVITE  SIP/2.0"), "start line"),
    (("INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0", "INVITE vivekg SIP/2.0"), "Request-URI"),
    (("Max-Forwards: 70", "Max Forwards: 70"), "header line"),
])
def test_malformed_messages_are_refused(change: tuple[str, str], why: str) -> None:
    with pytest.raises(SipParseError, match=why):
        parse(msg(BASE.replace(*change)))


def test_garbage_and_binary_do_not_crash() -> None:
    for data in (b"", b"\x00\xff\xfe" * 100, b"SIP/2.0 999 x\r\n\r\n", b"INVITE\r\n\r\n", b"\r\n\r\n\r\n"):
        with pytest.raises(SipParseError):
            parse(data)


def test_stream_framing_by_content_length() -> None:
    one = BASE.replace("Content-Length: 0", "Content-Length: 5") + "hello"
    buffer = bytearray(b"\r\n\r\n" + msg(one) + msg(BASE)[:40])
    first = frame(buffer)
    assert first is not None and parse(first, stream=True).body == b"hello"
    assert frame(buffer) is None  # the second message is not complete yet
    buffer += msg(BASE)[40:]
    assert frame(buffer) is not None and not buffer
    with pytest.raises(SipParseError):
        frame(bytearray(msg(BASE.replace("Content-Length: 0\n", ""))))


def test_a_response_copies_the_transaction_headers_and_adds_our_tag() -> None:
    request = parse(msg(BASE))
    assert isinstance(request, Request)
    response = parse(response_to(request, 180, to_tag="abc").encode())
    assert isinstance(response, Response)
    assert response.via == request.via and response.call_id == request.call_id and response.cseq == (8, "INVITE")
    assert NameAddr.parse(response.headers.get("To") or "").tag == "abc"
