"""SIP messages (RFC 3261 §7, §20, §25): parsing, framing on streams, and serialising.

The parser is lenient where RFC 4475 says a robust element should be (header names in any case,
compact forms, folded lines, extra whitespace, several values in one header line, unknown
headers kept as they are) and strict where guessing would be dangerous: a bad start line, a
missing mandatory header (Via, From, To, Call-ID, CSeq), a CSeq method that differs from the
request method, or a Content-Length that disagrees with the body are :class:`SipParseError`.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "k": "supported", "s": "subject", "e": "content-encoding", "o": "event",
           "r": "refer-to", "b": "referred-by", "u": "allow-events", "x": "session-expires"}
CANONICAL = {"call-id": "Call-ID", "cseq": "CSeq", "www-authenticate": "WWW-Authenticate", "mime-version": "MIME-Version"}
MANDATORY = ("via", "from", "to", "call-id", "cseq")
MAX_MESSAGE = 65_535
_TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]+$")
_MULTI_VALUE = {"via", "contact", "route", "record-route", "allow", "supported", "require", "proxy-require",
                "unsupported", "accept", "accept-encoding", "accept-language", "content-encoding", "allow-events"}
REASONS = {100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 183: "Session Progress", 200: "OK",
           202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 407: "Proxy Authentication Required", 408: "Request Timeout",
           413: "Request Entity Too Large", 415: "Unsupported Media Type", 416: "Unsupported URI Scheme",
           420: "Bad Extension", 423: "Interval Too Brief", 480: "Temporarily Unavailable",
           481: "Call/Transaction Does Not Exist", 482: "Loop Detected", 483: "Too Many Hops", 484: "Address Incomplete",
           486: "Busy Here", 487: "Request Terminated", 488: "Not Acceptable Here", 491: "Request Pending",
           500: "Server Internal Error", 501: "Not Implemented", 503: "Service Unavailable", 603: "Decline"}


class SipParseError(ValueError):
    """The bytes are not a SIP message this stack can act on."""


KNOWN = {"via", "from", "to", "call-id", "cseq", "contact", "content-length", "content-type", "max-forwards", "route",
         "record-route", "www-authenticate", "authorization", "proxy-authenticate", "proxy-authorization", "expires",
         "min-expires", "user-agent", "server", "allow", "supported", "require", "subject", "event", "date", "accept",
         "content-encoding", "refer-to", "referred-by", "allow-events", "session-expires", "warning", "reason"}


def header_key(name: str) -> str:
    """The comparison key of a header name: lower case, compact forms expanded."""
    lower = name.strip().lower()
    return COMPACT.get(lower, lower)


def canonical_name(name: str) -> str:
    """RFC 3261 spelling for the headers the stack knows; others keep the sender's spelling
    (``X-PH-Campaign`` stays as Plivo and the customer wrote it)."""
    key = header_key(name)
    if key not in KNOWN:
        return name.strip()
    return CANONICAL.get(key) or "-".join(part.capitalize() for part in key.split("-"))


def split_values(value: str) -> list[str]:
    """Split a header value on commas that are outside quotes and angle brackets."""
    values, depth, quoted, start, escape = [], 0, False, 0, False
    for index, char in enumerate(value):
        if escape:
            escape = False
        elif quoted and char == "\\":
            escape = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == "<":
            depth += 1
        elif not quoted and char == ">":
            depth = max(0, depth - 1)
        elif not quoted and depth == 0 and char == ",":
            values.append(value[start:index].strip())
            start = index + 1
    values.append(value[start:].strip())
    return [item for item in values if item]


@dataclass
class Headers:
    """Ordered headers with case-insensitive, compact-form-aware names; one entry per value for
    headers that may repeat (Via, Route, Contact…)."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str, default: str | None = None) -> str | None:
        key = header_key(name)
        for item_name, value in self.items:
            if header_key(item_name) == key:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        key = header_key(name)
        return [value for item_name, value in self.items if header_key(item_name) == key]

    def add(self, name: str, value: str, first: bool = False) -> None:
        entry = (canonical_name(name), value)
        if first:
            self.items.insert(0, entry)
        else:
            self.items.append(entry)

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.add(name, value)

    def remove(self, name: str) -> None:
        key = header_key(name)
        self.items = [item for item in self.items if header_key(item[0]) != key]

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def copy(self) -> "Headers":
        return Headers(list(self.items))


@dataclass
class Message:
    headers: Headers
    body: bytes = b""

    @property
    def call_id(self) -> str:
        return self.headers.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        number, _, method = (self.headers.get("CSeq") or "").strip().partition(" ")
        return int(number), method.strip().upper()

    @property
    def via(self) -> list[str]:
        return self.headers.get_all("Via")

    def header_lines(self) -> bytes:
        lines = [f"{name}: {value}" for name, value in self.headers if name != "Content-Length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


@dataclass
class Request(Message):
    method: str = ""
    uri: str = ""

    def encode(self) -> bytes:
        return f"{self.method} {self.uri} SIP/2.0\r\n".encode("utf-8", "surrogateescape") + self.header_lines() + self.body


@dataclass
class Response(Message):
    status: int = 0
    reason: str = ""

    def encode(self) -> bytes:
        return f"SIP/2.0 {self.status} {self.reason}\r\n".encode("utf-8", "surrogateescape") + self.header_lines() + self.body


def _unfold(head: str) -> list[str]:
    lines: list[str] = []
    for line in re.split(r"\r\n|\n", head):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return lines


def _start_line(line: str) -> tuple[str, str, str]:
    parts = line.split(" ", 2)
    if len(parts) != 3 or not all(parts[:2]):
        raise SipParseError(f"bad start line {line[:80]!r}")
    return parts[0], parts[1], parts[2]


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, rest = data.partition(separator)
        if found:
            return head, rest
    return data, b""


def parse(data: bytes, *, stream: bool = False) -> Request | Response:
    """Parse one whole message. On a datagram a missing Content-Length means "the rest of the
    packet"; ``stream=True`` (TCP) requires the caller to have framed the message already."""
    if len(data) > MAX_MESSAGE:
        raise SipParseError("message too large")
    head_bytes, body = _split_head(data.lstrip(b"\r\n"))
    try:
        head = head_bytes.decode("utf-8")
    except UnicodeDecodeError:
        head = head_bytes.decode("latin-1")
    lines = _unfold(head)
    first, second, third = _start_line(lines[0].strip())
    headers = Headers()
    for line in lines[1:]:
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.match(name.strip()):
            raise SipParseError(f"bad header line {line[:80]!r}")
        key = canonical_name(name)
        values = split_values(value) if header_key(key) in _MULTI_VALUE else [value.strip()]
        for item in values:
            headers.add(key, item)
    for name in MANDATORY:
        if headers.get(name) is None:
            raise SipParseError(f"missing {canonical_name(name)} header")
    length_text = headers.get("Content-Length")
    if length_text is not None:
        if not length_text.strip().isdigit():
            raise SipParseError(f"bad Content-Length {length_text!r}")
        length = int(length_text)
        if length > len(body):
            raise SipParseError(f"Content-Length {length} exceeds the {len(body)} bytes of body")
        body = body[:length]
    elif stream:
        raise SipParseError("Content-Length is required on a stream transport")
    cseq = (headers.get("CSeq") or "").split()
    if len(cseq) != 2 or not cseq[0].isdigit() or int(cseq[0]) >= 2**31 or not _TOKEN.match(cseq[1]):
        raise SipParseError(f"bad CSeq {headers.get('CSeq')!r}")
    if first.startswith("SIP/"):
        if first.upper() != "SIP/2.0":
            raise SipParseError(f"unsupported version {first}")
        if not (second.isdigit() and len(second) == 3 and 100 <= int(second) <= 699):
            raise SipParseError(f"bad status code {second!r}")
        return Response(headers, body, status=int(second), reason=third.strip())
    if third.strip().upper() != "SIP/2.0":
        raise SipParseError(f"unsupported version {third.strip()[:20]!r}")
    if not _TOKEN.match(first):
        raise SipParseError(f"bad method {first[:20]!r}")
    if cseq[1] != first:
        raise SipParseError(f"CSeq method {cseq[1]} does not match {first}")
    if ":" not in second:
        raise SipParseError(f"bad Request-URI {second[:80]!r}")
    return Request(headers, body, method=first, uri=second)


def frame(buffer: bytearray) -> bytes | None:
    """Take one whole message off the front of a stream buffer (TCP), or None if more bytes are
    needed. Leading CRLFs (keep-alives, RFC 5626) are dropped. Raises :class:`SipParseError` when
    the buffer cannot start a valid message."""
    while buffer[:2] == b"\r\n":
        del buffer[:2]
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > MAX_MESSAGE:
            raise SipParseError("header section too large")
        return None
    head = bytes(buffer[:end]).decode("latin-1")
    match = re.search(r"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$", head)
    if match is None:
        raise SipParseError("Content-Length is required on a stream transport")
    total = end + 4 + int(match.group(1))
    if total > MAX_MESSAGE:
        raise SipParseError("message too large")
    if len(buffer) < total:
        return None
    data = bytes(buffer[:total])
    del buffer[:total]
    return data


def response_to(request: Request, status: int, reason: str = "", *, to_tag: str | None = None,
                extra: list[tuple[str, str]] | None = None, body: bytes = b"") -> Response:
    """A response to ``request`` (RFC 3261 §8.2.6): Via, From, To (plus our tag), Call-ID, CSeq copied."""
    headers = Headers()
    for name in ("Via", "Record-Route"):
        for value in request.headers.get_all(name):
            headers.add(name, value)
    headers.add("From", request.headers.get("From") or "")
    to = request.headers.get("To") or ""
    if to_tag and ";tag=" not in to.replace(" ", "").lower():
        to = f"{to};tag={to_tag}"
    headers.add("To", to)
    headers.add("Call-ID", request.call_id)
    headers.add("CSeq", request.headers.get("CSeq") or "")
    for name, value in extra or []:
        headers.add(name, value)
    return Response(headers, body, status=status, reason=reason or REASONS.get(status, "Unknown"))
