"""Plivo's hangup causes: code, name, the FreeSWITCH-style ``HangupCause`` and who hung up.

``CallStatus`` at the end of a call is ``completed`` for an answered call (and for every inbound
call, which is never busy or no-answer); otherwise it follows the cause.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Cause:
    code: int
    name: str
    q850: str
    status: str = "completed"  # CallStatus of an unanswered outbound call ending this way


NORMAL_HANGUP = Cause(4000, "Normal Hangup", "NORMAL_CLEARING")
END_OF_XML = Cause(4010, "End Of XML Instructions", "NORMAL_CLEARING")
CANCELED = Cause(1000, "Canceled", "ORIGINATOR_CANCEL", "cancel")
NO_ANSWER = Cause(3000, "No Answer", "NO_ANSWER", "no-answer")
BUSY = Cause(3010, "Busy Line", "USER_BUSY", "busy")
REJECTED = Cause(3020, "Rejected", "CALL_REJECTED", "failed")
REQUEST_TIMEOUT = Cause(3070, "Request timeout", "RECOVERY_ON_TIMER_EXPIRE", "timeout")  # carrier: no final answer (408)
UNALLOCATED = Cause(3050, "Unallocated number", "UNALLOCATED_NUMBER", "failed")
INVALID_DESTINATION = Cause(2000, "Invalid Destination Address", "INVALID_NUMBER_FORMAT", "failed")
NETWORK_ERROR = Cause(5000, "Network Error", "NETWORK_OUT_OF_ORDER", "failed")
INTERNAL_ERROR = Cause(5010, "Internal Error", "NORMAL_TEMPORARY_FAILURE", "failed")
ROUTING_ERROR = Cause(5020, "Routing Error", "NO_ROUTE_DESTINATION", "failed")
MEDIA_TIMEOUT = Cause(6020, "Media Timeout", "MEDIA_TIMEOUT")
SCHEDULED_HANGUP = Cause(6000, "Scheduled Hangup", "ALLOTTED_TIMEOUT")
RING_TIMEOUT = Cause(6010, "Ring Timeout Reached", "NO_ANSWER", "no-answer")
MACHINE_DETECTED = Cause(9100, "Machine Detected", "NORMAL_CLEARING")
ENDPOINT_NOT_REGISTERED = Cause(2020, "Endpoint Not Registered", "USER_NOT_REGISTERED", "failed")
LOST_RACE = Cause(9000, "Lost Race", "LOSE_RACE", "cancel")
CONFIRM_FAILED = Cause(9110, "Confirm Key Challenge Failed", "NORMAL_CLEARING")
OUT_OF_CREDITS = Cause(1010, "Canceled (Out Of Credits)", "OUTGOING_CALL_BARRED", "cancel")

# URL and XML failures, by what was being fetched.
URL_ERRORS = {
    "answer": Cause(7011, "Error Reaching Answer URL", "NORMAL_TEMPORARY_FAILURE"),
    "action": Cause(7012, "Error Reaching Action URL", "NORMAL_TEMPORARY_FAILURE"),
    "transfer": Cause(7013, "Error Reaching Transfer URL", "NORMAL_TEMPORARY_FAILURE"),
    "redirect": Cause(7014, "Error Reaching Redirect URL", "NORMAL_TEMPORARY_FAILURE"),
}
INVALID_URL = {
    "action": Cause(7022, "Invalid Action URL", "NORMAL_TEMPORARY_FAILURE"),
    "transfer": Cause(7023, "Invalid Transfer URL", "NORMAL_TEMPORARY_FAILURE"),
    "redirect": Cause(7024, "Invalid Redirect URL", "NORMAL_TEMPORARY_FAILURE"),
}
XML_ERRORS = {
    "answer": Cause(8011, "Invalid Answer XML", "NORMAL_TEMPORARY_FAILURE"),
    "action": Cause(8012, "Invalid Action XML", "NORMAL_TEMPORARY_FAILURE"),
    "transfer": Cause(8013, "Invalid Transfer XML", "NORMAL_TEMPORARY_FAILURE"),
    "redirect": Cause(8014, "Invalid Redirect XML", "NORMAL_TEMPORARY_FAILURE"),
}

# What the far end did, by the network's reason (see network.channel.Ended).
FAR_END = {
    "hangup": NORMAL_HANGUP,
    "busy": BUSY,
    "rejected": REJECTED,
    "timeout": REQUEST_TIMEOUT,
    "no-answer": NO_ANSWER,
    "unreachable": NETWORK_ERROR,
    "media-timeout": MEDIA_TIMEOUT,
}

# Hangup sources, as Plivo spells them.
CALLER, CALLEE, PLIVO, API_REQUEST, ANSWER_XML, ERROR = "Caller", "Callee", "Plivo", "API Request", "Answer XML", "Error"
PLATFORM_DETECTED = frozenset({"media-timeout"})
"""Far-end reasons the platform itself detected (no RTP for 60 s): Plivo hangs up, not the party."""


def far_end(reason: str, party: str) -> tuple[Cause, str]:
    """The cause and hangup source of a leg that ended for ``reason`` on ``party``'s side."""
    return FAR_END.get(reason, NORMAL_HANGUP), PLIVO if reason in PLATFORM_DETECTED else party
