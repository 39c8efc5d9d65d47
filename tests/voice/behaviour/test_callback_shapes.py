"""The same application on both networks gets requests of the same shape: each scenario runs once
per network and the parameter names (and the values that do not depend on the call) are compared.
docs/parity.md (the behaviour suite) lists what differs by network."""

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import LiveServer
from tests.voice.behaviour.phones import Network, SimNetwork, SipNetwork
from tests.voice.customer_app import CustomerApp

Requests = dict[str, dict[str, str]]
SAME_VALUES = ("Direction", "CallStatus", "Event", "HangupCause", "HangupCauseCode", "HangupSource", "Digits",
               "DialStatus", "DialAction", "DialBLegStatus", "DialHangupCause", "DialRingStatus", "ConferenceAction",
               "ConferenceName")


def ivr(net: Network) -> Requests:
    """An API call: answer → GetDigits action → hangup."""
    net.app(f'<Response><GetDigits action="{net.customer.url("/digits")}" numDigits="1" timeout="8">'
            "<Speak>Press one.</Speak></GetDigits></Response>", digits="<Response><Speak>Thanks.</Speak></Response>")
    phone = net.phone([{"wait": 1.5}, {"press": "1"}])
    net.api_call(phone)
    got = {path: net.customer.wait_for(path, timeout=30)[0].params for path in ("/answer", "/digits", "/hangup")}
    phone.wait_ended()
    return got


def dial(net: Network) -> Requests:
    """An endpoint calls in and is connected to another: answer, Dial events and action, hangup."""
    b = net.phone([{"wait": 1}, {"hangup": True}])
    app = net.app(f'<Response><Dial action="{net.customer.url("/action")}" callbackUrl="{net.customer.url("/events")}">'
                  f"<User>{b.uri}</User></Dial></Response>", action="", events="")
    a = net.phone([{"wait": 10}], app_id=app)
    a.call("14155550199")
    got = {path: net.customer.wait_for(path, timeout=30)[0].params for path in ("/answer", "/action", "/hangup")}
    for hit in net.customer.wait_for("/events", 3):
        got[f"/events {hit.params['DialAction']}"] = hit.params
    a.wait_ended()
    return got


def conference(net: Network) -> Requests:
    """An endpoint calls into a room and leaves it: enter and exit callbacks."""
    app = net.app(f'<Response><Conference callbackUrl="{net.customer.url("/events")}">shapes</Conference></Response>',
                  events="")
    phone = net.phone([{"wait": 1}, {"hangup": True}], app_id=app)
    phone.call("14155550199")
    got = {f"/events {hit.params['ConferenceAction']}": hit.params for hit in net.customer.wait_for("/events", 2)}
    got["/hangup"] = net.customer.wait_for("/hangup")[0].params
    phone.wait_ended()
    return got


def on(kind: type[Network], server: LiveServer, directory: Path, scenario: Callable[[Network], Requests]) -> Requests:
    """One run on one network (in turn: the plivo SDK points at one server at a time)."""
    app = CustomerApp()
    net = kind(server, server.new_main_account(), app, directory)
    try:
        return scenario(net)
    finally:
        net.stop()
        app.stop()


@pytest.mark.parametrize("scenario", [ivr, dial, conference], ids=["ivr", "dial", "conference"])
def test_requests_have_the_same_parameters_on_both_networks(backend: str, voice_server: LiveServer,
                                                           sip_server: LiveServer, tmp_path: Path,
                                                           scenario: Callable[[Network], Requests]) -> None:
    sim, sip = on(SimNetwork, voice_server, tmp_path, scenario), on(SipNetwork, sip_server, tmp_path, scenario)
    assert sorted(sim) == sorted(sip)
    for path in sim:
        assert (set(sim[path]) - set(sip[path]), set(sip[path]) - set(sim[path])) == (set(), set()), path
        for name in SAME_VALUES:
            assert sim[path].get(name) == sip[path].get(name), (path, name)
