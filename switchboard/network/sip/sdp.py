"""SDP offer/answer for one audio stream (RFC 4566, RFC 3264): G.711 and RFC 4733 telephone-events.

We support PCMU (0) and PCMA (8) at 8 kHz with 20 ms packets, and telephone-event at whatever
payload type the offerer chose (96, 101, 126…). An offer with neither codec is answered 488.
"""

import time
from dataclasses import dataclass

PCMU, PCMA = 0, 8
CODEC_NAMES = {PCMU: "PCMU", PCMA: "PCMA"}
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


class SdpError(ValueError):
    pass


@dataclass
class Session:
    """The parts of a session description that matter to one audio stream."""

    address: str
    port: int
    payloads: list[int]
    event_pt: int | None = None
    direction: str = "sendrecv"
    ptime: int = 20

    @property
    def codec(self) -> int | None:
        return next((pt for pt in self.payloads if pt in CODEC_NAMES), None)


def parse(body: bytes) -> Session:
    text = body.decode("utf-8", "replace")
    session_address, media_address, port, payloads = "", "", None, []
    rtpmap: dict[int, str] = {}
    direction, ptime, in_audio, seen_audio = "sendrecv", 20, False, False
    for line in text.splitlines():
        kind, _, value = line.strip().partition("=")
        if kind == "m":
            parts = value.split()
            in_audio = parts[:1] == ["audio"] and not seen_audio
            if in_audio:
                seen_audio = True
                if len(parts) < 4 or not parts[1].split("/")[0].isdigit():
                    raise SdpError(f"bad media line {value!r}")
                port = int(parts[1].split("/")[0])
                payloads = [int(pt) for pt in parts[3:] if pt.isdigit()]
        elif kind == "c":
            address = value.split()[-1].split("/")[0] if len(value.split()) == 3 else ""
            if in_audio:
                media_address = address
            elif not seen_audio:
                session_address = address
        elif kind == "a" and (in_audio or not seen_audio):
            name, _, rest = value.partition(":")
            if name == "rtpmap" and in_audio:
                pt, _, encoding = rest.partition(" ")
                if pt.isdigit():
                    rtpmap[int(pt)] = encoding.lower()
            elif name in DIRECTIONS:
                direction = name
            elif name == "ptime" and rest.strip().isdigit():
                ptime = int(rest.strip())
    if port is None:
        raise SdpError("no audio stream in the offer")
    address = media_address or session_address
    if not address:
        raise SdpError("no connection address")
    event_pt = next((pt for pt, enc in rtpmap.items() if enc.startswith("telephone-event/8000")), None)
    return Session(address, port, payloads, event_pt, direction, ptime)


def answer_direction(offered: str) -> str:
    return {"sendonly": "recvonly", "recvonly": "sendonly"}.get(offered, offered)


def build(address: str, port: int, codecs: list[int], event_pt: int | None, direction: str = "sendrecv",
          session_id: int | None = None, version: int = 1) -> bytes:
    """A session description offering (or answering with) ``codecs`` and telephone-events."""
    session_id = session_id or int(time.time())
    payloads = [*codecs, *([event_pt] if event_pt is not None else [])]
    lines = [
        "v=0",
        f"o=switchboard {session_id} {version} IN IP4 {address}",
        "s=switchboard",
        f"c=IN IP4 {address}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(str(pt) for pt in payloads)}",
        *(f"a=rtpmap:{pt} {CODEC_NAMES[pt]}/8000" for pt in codecs),
    ]
    if event_pt is not None:
        lines += [f"a=rtpmap:{event_pt} telephone-event/8000", f"a=fmtp:{event_pt} 0-16"]
    lines += ["a=ptime:20", f"a={direction}"]
    return ("\r\n".join(lines) + "\r\n").encode()


def negotiate(offer: Session) -> tuple[int, int | None] | None:
    """The codec and telephone-event payload type to answer ``offer`` with, or None (488)."""
    codec = offer.codec
    return None if codec is None else (codec, offer.event_pt)
