"""What a submit_sm_resp command_status means for the message: Plivo's error code for a refusal,
or a retry (throttled, queue full, not bound, temporary application error)."""

from switchboard.network.smpp import pdu

RETRY = frozenset({pdu.RTHROTTLED, pdu.RMSGQFUL})
"""The SMSC asks to slow down: the same message is submitted again after a back-off."""
REBIND = frozenset({pdu.RINVBNDSTS})
TEMPORARY = frozenset({pdu.RX_T_APPN, pdu.RSYSERR})
PLIVO_CODES = {
    pdu.RINVDSTADR: 50,
    pdu.RINVSRCADR: 40,
    pdu.RINVMSGLEN: 110,
    pdu.RX_P_APPN: 100,
    pdu.RX_T_APPN: 20,
    pdu.RSUBMITFAIL: 1000,
}


def plivo_error(status: int) -> int:
    """Plivo's error code of a final refusal."""
    return PLIVO_CODES.get(status, 1000)
