"""PDU encoding: the bytes of :func:`pdu.make` are smpplib's, also for the responses encoded once
and given their sequence number per PDU."""

import pytest
from smpplib import smpp

from switchboard.network.smpp import pdu


def _library(command: str, sequence: int, status: int, **fields: object) -> bytes:
    made = smpp.make_pdu(command, client=pdu._CLIENT, status=status, **fields)
    made.sequence, made.status = sequence, status
    return bytes(made.generate())


@pytest.mark.parametrize("command", ["deliver_sm_resp", "enquire_link_resp", "unbind_resp", "generic_nack"])
@pytest.mark.parametrize("status", [pdu.ROK, pdu.RX_T_APPN, pdu.RINVCMDID])
@pytest.mark.parametrize("sequence", [1, 2, 255, 65_536, 0x7FFFFFFF])
def test_a_bare_response_is_the_library_encoding_with_its_own_sequence(command: str, status: int, sequence: int) -> None:
    encoded = pdu.make(command, sequence, status)
    assert encoded == _library(command, sequence, status)
    length, _command_id, sent_status, sent_sequence = pdu.header(encoded)
    assert (length, sent_status, sent_sequence) == (len(encoded), status, sequence)


def test_responses_of_one_command_do_not_share_a_sequence() -> None:
    first, second = pdu.make("deliver_sm_resp", 10), pdu.make("deliver_sm_resp", 11)
    assert pdu.header(first)[3] == 10 and pdu.header(second)[3] == 11
    assert pdu.decode(second).sequence == 11


def test_a_pdu_with_fields_is_encoded_whole() -> None:
    fields = {"source_addr": "15550001111", "destination_addr": "4915100000001", "short_message": b"hello",
              "registered_delivery": 1}
    encoded = pdu.make("submit_sm", 42, **fields)
    assert encoded == _library("submit_sm", 42, pdu.ROK, **fields)
    decoded = pdu.decode(encoded)
    assert (decoded.sequence, decoded.short_message, pdu.text(decoded.destination_addr)) == (42, b"hello", "4915100000001")
