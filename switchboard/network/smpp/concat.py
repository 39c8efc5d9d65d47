"""Long messages over SMPP: the submit_sm PDUs of a concatenated message (UDH, SAR TLVs or one
message_payload), and the reading of concatenation info and text from an MO deliver_sm.

The segment texts come from ``core.sms_encoding.segment`` (which never splits an escape or a
surrogate pair), so the units billed are the segments sent."""

from dataclasses import dataclass
from typing import Any

from switchboard.core.sms_encoding import GSM7, encode_part
from switchboard.network.connector import OutboundMessage, PartInfo
from switchboard.network.smpp.config import SmppConfig

UDHI = 0x40
IE_CONCAT_8 = 0x00
IE_CONCAT_16 = 0x08


@dataclass(frozen=True)
class Segment:
    """The fields of one submit_sm that differ between segments."""

    short_message: bytes
    esm_class: int
    tlvs: dict[str, Any]


def udh(reference: int, total: int, seqnum: int) -> bytes:
    """The 8-bit-reference concatenation UDH (``05 00 03 ref total seq``)."""
    return bytes((5, IE_CONCAT_8, 3, reference & 0xFF, total, seqnum))


def segments(message: OutboundMessage, config: SmppConfig, reference: int) -> list[Segment]:
    """What to submit for ``message``: one PDU, or one per segment."""
    parts = message.parts or (message.text,)
    if len(parts) == 1:
        return [Segment(encode_part(parts[0], message.encoding), 0, {})]
    if config.concatenation == "payload":
        whole = b"".join(encode_part(part, message.encoding) for part in parts)
        return [Segment(b"", 0, {"message_payload": whole})]
    total = len(parts)
    result = []
    for seqnum, part in enumerate(parts, start=1):
        body = encode_part(part, message.encoding)
        if config.concatenation == "sar":
            result.append(Segment(body, 0, {"sar_msg_ref_num": reference & 0xFFFF, "sar_total_segments": total,
                                            "sar_segment_seqnum": seqnum}))
        else:
            result.append(Segment(udh(reference, total, seqnum) + body, UDHI, {}))
    return result


def data_coding(message: OutboundMessage, config: SmppConfig) -> int:
    return config.data_coding_gsm if message.encoding == GSM7 else config.data_coding_ucs2


class BrokenUdh(ValueError):
    """A deliver_sm whose UDHI bit is set but whose user data header does not parse."""


def split_udh(payload: bytes) -> tuple[PartInfo | None, bytes]:
    """The concatenation info of a UDH-prefixed payload (if it has a concat element) and the
    text octets after the header."""
    if not payload:
        raise BrokenUdh("empty user data with UDHI set")
    length = payload[0]
    if length + 1 > len(payload):
        raise BrokenUdh(f"UDH length {length} exceeds the {len(payload) - 1} octets that follow")
    header, body = payload[1 : length + 1], payload[length + 1 :]
    part: PartInfo | None = None
    position = 0
    while position < len(header):
        if position + 2 > len(header):
            raise BrokenUdh("truncated information element")
        iei, iel = header[position], header[position + 1]
        value = header[position + 2 : position + 2 + iel]
        if len(value) != iel:
            raise BrokenUdh("information element longer than the header")
        if iei == IE_CONCAT_8 and iel == 3:
            part = PartInfo(value[0], value[1], value[2])
        elif iei == IE_CONCAT_16 and iel == 4:
            part = PartInfo(int.from_bytes(value[:2], "big"), value[2], value[3])
        position += 2 + iel
    if part is not None and not (1 <= part.seqnum <= part.total):
        raise BrokenUdh(f"segment {part.seqnum} of {part.total}")
    return part, body


def decode_text(octets: bytes, coding: int) -> str:
    """The text of an MO by data_coding (0/1: GSM-7 unpacked, 3: Latin-1, 8: UCS-2; others as Latin-1)."""
    if coding in (0x10, 0x18):  # class-0 ("flash") variants of GSM-7 and UCS-2
        coding &= 0x0F
    if coding == 8:
        return octets.decode("utf-16-be", errors="replace")
    if coding == 0:
        try:
            return octets.decode("gsm03.38")
        except UnicodeDecodeError:
            return octets.decode("latin-1")
    if coding == 1:
        return octets.decode("ascii", errors="replace")
    return octets.decode("latin-1")


def mo_content(pdu: Any) -> tuple[PartInfo | None, str]:
    """Concatenation info and text of an MO deliver_sm (UDH, SAR TLVs or message_payload)."""
    payload = pdu.message_payload if getattr(pdu, "message_payload", None) else (pdu.short_message or b"")
    part: PartInfo | None = None
    if (pdu.esm_class or 0) & UDHI:
        part, payload = split_udh(payload)
    elif getattr(pdu, "sar_total_segments", None):
        total, seqnum = int(pdu.sar_total_segments), int(pdu.sar_segment_seqnum or 0)
        if not 1 <= seqnum <= total:
            raise BrokenUdh(f"SAR segment {seqnum} of {total}")
        part = PartInfo(int(pdu.sar_msg_ref_num or 0), total, seqnum)
    if part is not None and part.total == 1:
        part = None
    return part, decode_text(payload, pdu.data_coding or 0)
