"""Delivery receipts: reading the receipt of a deliver_sm (TLVs first, then the informal
``id:… stat:… err:…`` text of the SMPP 3.4 appendix B) and mapping it to Plivo's states and
error codes. Real SMSCs vary: fields missing, lower case, dates with seconds, ids in decimal
where the submit response was hex; the id is normalised by ``ids.py``."""

import re
from dataclasses import dataclass
from typing import Any

from switchboard.network.connector import ReceiptState
from switchboard.network.smpp.pdu import text

RECEIPT_TYPES = (0x04, 0x08, 0x10, 0x20)
"""esm_class type bits of an SMSC delivery receipt, SME ack, user ack and intermediate notification."""
FIELD = re.compile(r"(id|sub|dlvrd|submit date|done date|stat|err)\s*:\s*(\S*)", re.IGNORECASE)
STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD"}


@dataclass(frozen=True)
class Receipt:
    message_id: str
    stat: str
    err: str = ""


def is_receipt(pdu: Any) -> bool:
    return ((pdu.esm_class or 0) & 0x3C) in RECEIPT_TYPES


def parse(pdu: Any) -> Receipt | None:
    """The receipt a deliver_sm carries, or None when it names no message id."""
    body = (pdu.short_message or getattr(pdu, "message_payload", None) or b"").decode("latin-1")
    found = {key.lower(): value for key, value in FIELD.findall(body)}
    message_id = text(getattr(pdu, "receipted_message_id", None)).strip("\0") or found.get("id", "")
    state_tlv = getattr(pdu, "message_state", None)
    stat = STATES.get(int(state_tlv), "") if state_tlv is not None else ""
    stat = stat or found.get("stat", "").upper()
    err = found.get("err", "")
    network_error = getattr(pdu, "network_error_code", None)
    if not err and isinstance(network_error, bytes) and len(network_error) == 3:
        err = str(int.from_bytes(network_error[1:], "big"))
    if not message_id:
        return None
    return Receipt(message_id, stat or "UNKNOWN", err)


def plivo_state(stat: str) -> tuple[ReceiptState | None, int | None]:
    """Plivo's state and error code for a receipt ``stat`` (None: not final, nothing to report)."""
    if stat == "DELIVRD":
        return "delivered", None
    if stat == "EXPIRED":
        return "undelivered", 80
    if stat == "REJECTD":
        return "undelivered", 100
    if stat in ("UNDELIV", "DELETED"):
        return "undelivered", 70 if stat == "UNDELIV" else 1000
    if stat == "UNKNOWN":
        return "undelivered", 1000
    return None, None  # ENROUTE, ACCEPTD: the message is still on its way
