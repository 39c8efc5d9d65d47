"""SIP addresses: URIs (RFC 3261 §19.1), name-addr values of From/To/Contact/Route, and Via.

Only what the stack acts on is interpreted (user, host, port, transport, parameters such as
``tag``, ``branch``, ``rport``, ``expires``); everything else is kept as text.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

_URI = re.compile(r"^(?P<scheme>sips?|tel):(?:(?P<user>[^@;?]*)(?::(?P<password>[^@;?]*))?@)?"
                  r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^:;?>]*)(?::(?P<port>\d*))?(?P<params>;[^?]*)?(?:\?(?P<headers>.*))?$",
                  re.IGNORECASE)


def parse_params(text: str) -> dict[str, str]:
    """``;a=1;b`` → ``{"a": "1", "b": ""}`` (names lower-cased, quotes removed)."""
    params: dict[str, str] = {}
    for part in text.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            params[name.strip().lower()] = value.strip().strip('"')
    return params


def format_params(params: dict[str, str]) -> str:
    return "".join(f";{name}={value}" if value != "" else f";{name}" for name, value in params.items())


@dataclass
class SipUri:
    scheme: str
    user: str
    host: str
    port: int | None = None
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> "SipUri":
        match = _URI.match(text.strip())
        if match is None or not match.group("host") and match.group("scheme").lower() != "tel":
            raise ValueError(f"not a SIP URI: {text[:80]!r}")
        port = match.group("port")
        if port is not None and (not port or int(port) > 65535):
            raise ValueError(f"bad port in {text[:80]!r}")
        return cls(match.group("scheme").lower(), unquote(match.group("user") or ""), match.group("host").lower(),
                   int(port) if port else None, parse_params(match.group("params") or ""))

    @property
    def transport(self) -> str:
        return (self.params.get("transport") or "udp").lower()

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}:{user}{self.host}{port}{format_params(self.params)}"


@dataclass
class NameAddr:
    """``"Display" <uri>;params`` or a bare ``uri;params`` (where params belong to the header)."""

    uri: str
    display: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> "NameAddr":
        text = text.strip()
        if "<" in text:
            display, _, rest = text.partition("<")
            uri, close, params = rest.partition(">")
            if not close:
                raise ValueError(f"unclosed < in {text[:80]!r}")
            return cls(uri.strip(), display.strip().strip('"'), parse_params(params))
        uri, _, params = text.partition(";")
        return cls(uri.strip(), "", parse_params(params))

    @property
    def tag(self) -> str:
        return self.params.get("tag", "")

    def sip_uri(self) -> SipUri:
        return SipUri.parse(self.uri)

    def __str__(self) -> str:
        display = f'"{self.display}" ' if self.display else ""
        return f"{display}<{self.uri}>{format_params(self.params)}"


@dataclass
class Via:
    transport: str
    host: str
    port: int | None
    params: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> "Via":
        match = re.match(r"^\s*SIP\s*/\s*2\.0\s*/\s*(\w+)\s+([^;\s]+)\s*(.*)$", text, re.IGNORECASE)
        if match is None:
            raise ValueError(f"bad Via {text[:80]!r}")
        sent_by = match.group(2)
        if sent_by.startswith("["):
            host, _, rest = sent_by[1:].partition("]")
            port = rest.lstrip(":")
        else:
            host, _, port = sent_by.partition(":")
        if port and not port.isdigit():
            raise ValueError(f"bad Via port {text[:80]!r}")
        return cls(match.group(1).upper(), host, int(port) if port else None, parse_params(match.group(3)))

    @property
    def branch(self) -> str:
        return self.params.get("branch", "")

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        return f"SIP/2.0/{self.transport} {host}{port}{format_params(self.params)}"
