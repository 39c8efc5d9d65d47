"""Why the engine ended a call is in the server's log at WARNING: an answer URL that cannot be
reached ends an inbound call before answer (Plivo's 7011; over SIP a 480 after the 180), and the
operator can tell that from a platform fault without turning on debug logging."""

import logging
import socket

import pytest

from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp


def test_an_unreachable_answer_url_is_logged_with_its_cause(sim: Sim, customer: CustomerApp,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as closed:  # a port nobody listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{closed.getsockname()[1]}/answer"
    customer.route("/hangup", "")
    caplog.set_level(logging.WARNING, logger="switchboard.voice")
    number = sim.rent_number(sim.application(dead_url, hangup_url=customer.url("/hangup")))
    call_uuid = sim.call("14155550409", number)
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "7011" and hangup["HangupSource"] == "Error"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and call_uuid in r.getMessage()]
    assert any(f"answer URL {dead_url} failed after" in m and "7011 Error Reaching Answer URL" in m
               for m in warnings), warnings
    assert any("ends with 7011" in m and "before answer" in m for m in warnings), warnings
