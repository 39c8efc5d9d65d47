"""Receipt texts as real SMSCs write them, id normalisation, and MO user data headers."""

from types import SimpleNamespace

import pytest

from switchboard.network.smpp import concat, ids, receipts


def pdu(body: str = "", **fields: object) -> SimpleNamespace:
    values: dict[str, object] = {"short_message": body.encode("latin-1"), "esm_class": 0x04, "message_payload": None,
                                 "receipted_message_id": None, "message_state": None, "network_error_code": None}
    return SimpleNamespace(**(values | fields))


@pytest.mark.parametrize("body, expected", [
    ("id:0123456789 sub:001 dlvrd:001 submit date:2611221200 done date:2611221201 stat:DELIVRD err:000 text:hello",
     ("0123456789", "DELIVRD", "000")),
    ("ID:abc SUB:001 DLVRD:000 SUBMIT DATE:261122120000 DONE DATE:261122120100 STAT:undeliv ERR:001", ("abc", "UNDELIV", "001")),
    ("id:7f3a submit date:2611221200 done date:2611221201 stat:EXPIRED err:027", ("7f3a", "EXPIRED", "027")),  # Jasmin-style
    ("id:99", ("99", "UNKNOWN", "")),
])
def test_receipt_texts(body: str, expected: tuple[str, str, str]) -> None:
    receipt = receipts.parse(pdu(body))
    assert receipt is not None and (receipt.message_id, receipt.stat, receipt.err) == expected


def test_tlvs_win_over_the_text() -> None:
    receipt = receipts.parse(pdu("id:1 stat:UNDELIV", receipted_message_id=b"ABCDEF", message_state=2,
                                 network_error_code=b"\x03\x00\x00"))
    assert receipt is not None and (receipt.message_id, receipt.stat) == ("ABCDEF", "DELIVRD")


def test_receipt_without_id_is_none() -> None:
    assert receipts.parse(pdu("stat:DELIVRD")) is None


@pytest.mark.parametrize("stat, state, code", [("DELIVRD", "delivered", None), ("EXPIRED", "undelivered", 80),
                                               ("REJECTD", "undelivered", 100), ("UNDELIV", "undelivered", 70),
                                               ("ENROUTE", None, None), ("ACCEPTD", None, None)])
def test_plivo_states(stat: str, state: str | None, code: int | None) -> None:
    assert receipts.plivo_state(stat) == (state, code)


@pytest.mark.parametrize("value, given, wanted, expected", [
    ("4159", "decimal", "hex", "103f"), ("103F", "hex", "decimal", "4159"), ("00103f", "hex", "hex", "103f"),
    ("abc-1", "string", "hex", "abc-1"), ("not-hex", "hex", "decimal", "not-hex"),
])
def test_id_normalisation(value: str, given: str, wanted: str, expected: str) -> None:
    assert ids.normalise(value, given, wanted) == expected  # type: ignore[arg-type]


def test_udh_16_bit_reference_and_broken_headers() -> None:
    part, body = concat.split_udh(bytes((6, 8, 4, 0x12, 0x34, 3, 2)) + b"text")
    assert part is not None and (part.reference, part.total, part.seqnum, body) == (0x1234, 3, 2, b"text")
    for broken in (b"", bytes((9, 0, 3, 1)), bytes((3, 0, 5, 1)), bytes((5, 0, 3, 1, 2, 3))):  # too long, IE overflow, seq > total
        with pytest.raises(concat.BrokenUdh):
            concat.split_udh(broken)
