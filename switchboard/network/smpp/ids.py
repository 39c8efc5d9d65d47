"""Message id normalisation: SMSCs may write a receipt's id in decimal where the submit_sm_resp
gave it in hex, or the reverse (Kannel's ``msg-id-type``). Each connector says which form each
side uses; ids are stored in the submit response's form, so receipts are converted to it."""

from switchboard.network.smpp.config import IdFormat


def normalise(message_id: str, given: IdFormat, wanted: IdFormat) -> str:
    """``message_id`` written as ``given``, rewritten as ``wanted`` (unchanged when either is
    ``string`` or the id does not parse in its stated form)."""
    message_id = message_id.strip().strip("\0")
    if given == wanted or "string" in (given, wanted):
        return canonical(message_id, wanted)
    try:
        value = int(message_id, 16 if given == "hex" else 10)
    except ValueError:
        return message_id
    return canonical(format(value, "x") if wanted == "hex" else str(value), wanted)


def canonical(message_id: str, form: IdFormat) -> str:
    """The stored form of an id from a submit response (hex ids compare case-insensitively)."""
    message_id = message_id.strip().strip("\0")
    if form == "hex":
        return message_id.lower().lstrip("0") or "0"
    if form == "decimal":
        return message_id.lstrip("0") or "0"
    return message_id
