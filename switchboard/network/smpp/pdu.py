"""SMPP 3.4 PDUs on the wire: framing, encoding and decoding.

Encoding and decoding of the PDU bodies is smpplib's (``smpplib.smpp.make_pdu`` / ``parse_pdu``);
this module only frames PDUs on a stream, sets sequence numbers (smpplib takes them from a client
object, which the asyncio session does not use) and turns smpplib's many parse exceptions into one
:class:`PduError`, because bytes from an SMSC are untrusted input.
"""

import asyncio
import struct
from functools import lru_cache
from typing import Any

from smpplib import smpp

HEADER = struct.Struct(">LLLL")
MAX_PDU = 64 * 1024 + 1024
"""message_payload may carry 64 KB; anything longer is a desynchronised or hostile stream."""

GENERIC_NACK = 0x80000000
RESPONSE_BIT = 0x80000000

# command_status values the ESME acts on
ROK = 0x00
RINVMSGLEN = 0x01
RINVCMDLEN = 0x02
RINVCMDID = 0x03
RINVBNDSTS = 0x04
RALYBND = 0x05
RSYSERR = 0x08
RINVSRCADR = 0x0A
RINVDSTADR = 0x0B
RBINDFAIL = 0x0D
RINVPASWD = 0x0E
RINVSYSID = 0x0F
RMSGQFUL = 0x14
RSUBMITFAIL = 0x45
RTHROTTLED = 0x58
RX_T_APPN = 0x64
RX_P_APPN = 0x65


class PduError(Exception):
    """Bytes that are not a well-formed SMPP PDU."""


class _Sequence:
    """smpplib asks its client for sequence numbers; ours are set explicitly on every PDU."""

    sequence = 0

    def next_sequence(self) -> int:
        return 0


_CLIENT = _Sequence()


def make(command: str, sequence: int, status: int = ROK, **fields: Any) -> bytes:
    """The encoded PDU ``command`` (smpplib's command names) with ``fields``. A PDU without fields
    (a deliver_sm_resp, an enquire_link_resp: one per receipt) is encoded once per command and
    status, and only its sequence number is set per PDU."""
    if not fields:
        template = _bare(command, status)
        return template[:12] + sequence.to_bytes(4, "big") + template[16:]
    return _encode(command, sequence, status, fields)


@lru_cache(maxsize=64)
def _bare(command: str, status: int) -> bytes:
    return _encode(command, 0, status, {})


def _encode(command: str, sequence: int, status: int, fields: dict[str, Any]) -> bytes:
    pdu = smpp.make_pdu(command, client=_CLIENT, status=status, **fields)
    pdu.sequence = sequence
    pdu.status = status
    return bytes(pdu.generate())


def decode(data: bytes) -> Any:
    """The smpplib PDU object of one complete PDU (fields as bytes/ints, unknown TLVs skipped)."""
    try:
        pdu = smpp.parse_pdu(data, client=_CLIENT, allow_unknown_opt_params=True)
    except Exception as exc:  # smpplib raises struct.error, IndexError, UnknownCommandError, ValueError …
        raise PduError(f"undecodable PDU ({type(exc).__name__}: {exc})") from exc
    if pdu is None:
        raise PduError("unknown command id")
    return pdu


def header(data: bytes) -> tuple[int, int, int, int]:
    """``(command_length, command_id, command_status, sequence_number)``."""
    return HEADER.unpack_from(data)


async def read_pdu(reader: asyncio.StreamReader) -> bytes:
    """One whole PDU from the stream; :class:`PduError` when the length field is impossible
    (the stream cannot be resynchronised after that), ``IncompleteReadError`` at EOF."""
    head = await reader.readexactly(4)
    (length,) = struct.unpack(">L", head)
    if length < 16 or length > MAX_PDU:
        raise PduError(f"impossible command_length {length}")
    return head + await reader.readexactly(length - 4)


def text(value: Any) -> str:
    """A C-Octet string field as smpplib parsed it (bytes) or as set (str)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)
