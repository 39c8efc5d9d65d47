"""The same application on both networks gets requests of the same shape: one call per network,
answer → GetDigits action → hangup, and the parameter names compared. The values that differ by
network are listed in docs/parity.md (the behaviour suite)."""

from pathlib import Path

from tests.helpers import LiveServer
from tests.voice.behaviour.phones import Network, SimNetwork, SipNetwork
from tests.voice.customer_app import CustomerApp

#: Parameters only one network sends, by request path (none today).
ONLY_ON: dict[str, dict[str, set[str]]] = {"sim": {}, "sip": {}}


def run_ivr(net: Network) -> dict[str, dict[str, str]]:
    net.app(f'<Response><GetDigits action="{net.customer.url("/digits")}" numDigits="1" timeout="8">'
            "<Speak>Press one.</Speak></GetDigits></Response>", digits="<Response><Speak>Thanks.</Speak></Response>")
    phone = net.phone([{"wait": 1.5}, {"press": "1"}])
    net.api_call(phone)
    got = {path: net.customer.wait_for(path, timeout=30)[0].params for path in ("/answer", "/digits", "/hangup")}
    phone.wait_ended()
    return got


def on(kind: type[Network], server: LiveServer, directory: Path) -> dict[str, dict[str, str]]:
    """One run on one network (in turn: the plivo SDK points at one server at a time)."""
    app = CustomerApp()
    net = kind(server, server.new_main_account(), app, directory)
    try:
        return run_ivr(net)
    finally:
        net.stop()
        app.stop()


def test_requests_have_the_same_parameters_on_both_networks(backend: str, voice_server: LiveServer,
                                                           sip_server: LiveServer, tmp_path: Path) -> None:
    sim, sip = on(SimNetwork, voice_server, tmp_path), on(SipNetwork, sip_server, tmp_path)
    for path in ("/answer", "/digits", "/hangup"):
        only_sim = set(sim[path]) - set(sip[path]) - ONLY_ON["sim"].get(path, set())
        only_sip = set(sip[path]) - set(sim[path]) - ONLY_ON["sip"].get(path, set())
        assert (only_sim, only_sip) == (set(), set()), path
        for name in ("Direction", "CallStatus", "Event", "HangupCause", "HangupCauseCode", "HangupSource", "Digits"):
            assert sim[path].get(name) == sip[path].get(name), (path, name)
