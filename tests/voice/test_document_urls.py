"""Every URL in a Plivo XML document resolves against the URL the document came from, by one rule
(:class:`switchboard.voice.elements.Url`, applied by :func:`switchboard.voice.document.parse`).

The unit tests walk the element tables, so an attribute added later cannot miss the rule; the
end-to-end tests run documents full of relative URLs on the simulated network and check that each
one was requested from the customer's server at the path it resolves to."""

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest

from switchboard.voice.document import Node, parse
from switchboard.voice.elements import SPECS, Url
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.test_live import wav
from tests.webhooks.helpers import log_entries

BASE = "http://app.test/telephony/answer?step=1#rc=0"  # the fragment never carries over
FORMS = [
    ("sounds/wait.xml", "http://app.test/telephony/sounds/wait.xml"),
    ("/telephony/wait-music?lang=en", "http://app.test/telephony/wait-music?lang=en"),
    ("../shared/hold", "http://app.test/shared/hold"),
    ("?step=2", "http://app.test/telephony/answer?step=2"),
    ("//cdn.test/a.mp3", "http://cdn.test/a.mp3"),
    ("https://other.test/x?y=1", "https://other.test/x?y=1"),
]
# What an element needs besides the URL under test to be valid: its other required attributes, its
# body. A new required attribute or body makes the walk fail with a KeyError until it is added here.
REQUIRED = {"inputType": "dtmf", "src": "14155550100", "dst": "14155550101", "role": "agent"}
BODIES = {"Speak": "Hello", "DTMF": "12", "Message": "Hi", "Number": "14155550102", "User": "sip:alice@example.com",
          "Conference": "room", "MultiPartyCall": "mpc", "Stream": "wss://stream.test/audio"}
# Names that say "a URL" (Plivo's own naming): each such attribute must be declared URL-valued.
URL_NAMES = re.compile(r"(Url|URL|Sound|Music|Callback|Audio)$|^(action|url)$")
# Elements whose body is a URL that resolves. <Stream>'s body is a wss:// URL Plivo connects to as it is.
URL_BODIES = {"Play", "Redirect"}


def url_attributes() -> list[tuple[str, str]]:
    """Every (element, attribute) the tables declare URL-valued; ``""`` for a URL body."""
    found = [(name, attr) for name, spec in SPECS.items() for attr, (check, _) in spec.attributes.items()
             if isinstance(check, Url)]
    return found + [(name, "") for name, spec in SPECS.items() if isinstance(spec.body, Url)]


def document(element: str, attr: str, value: str) -> str:
    """A minimal valid document holding ``element`` with ``attr`` (or its body, for ``""``) = ``value``."""
    spec = SPECS[element]
    attrs = {key: "/other" if isinstance(spec.attributes[key][0], Url) else REQUIRED[key] for key in spec.required}
    if attr:
        attrs[attr] = value
    body = value if not attr else BODIES[element] if spec.text == "required" else ""
    xml = f"<{element} {' '.join(f'{k}={quoteattr(v)}' for k, v in attrs.items())}>{escape(body)}</{element}>"
    if element not in SPECS["Response"].children:
        parent = next(name for name, parent_spec in SPECS.items() if element in parent_spec.children)
        xml = f"<{parent}>{xml}</{parent}>"
    return f"<Response>{xml}</Response>"


def find(nodes: list[Node], name: str) -> Node:
    """The first ``<name>`` in the tree."""
    found = [node for node in nodes if node.name == name]
    found += [find([child], name) for node in nodes for child in node.children if contains(child, name)]
    assert found, f"no <{name}> in the parsed document"
    return found[0]


def contains(node: Node, name: str) -> bool:
    return node.name == name or any(contains(child, name) for child in node.children)


def test_the_walk_finds_every_kind_of_url() -> None:
    found = set(url_attributes())
    assert {("Conference", "waitSound"), ("Conference", "enterSound"), ("Conference", "exitSound"),
            ("Conference", "callbackUrl"), ("Conference", "transcriptionUrl"), ("Dial", "dialMusic"),
            ("Dial", "confirmSound"), ("Dial", "callbackUrl"), ("Record", "callbackUrl"), ("Record", "transcriptionUrl"),
            ("Message", "callbackUrl"), ("GetDigits", "invalidDigitsSound"),
            ("GetInput", "interimSpeechResultsCallback"), ("MultiPartyCall", "waitMusicUrl"),
            ("Stream", "statusCallbackUrl"), ("Play", ""), ("Redirect", "")} <= found
    assert {name for name, attr in found if not attr} == URL_BODIES
    assert len(found) >= 30  # the walk is not silently empty


@pytest.mark.parametrize(("element", "attr"), url_attributes())
def test_every_declared_url_resolves_against_the_document(element: str, attr: str) -> None:
    for relative, absolute in FORMS:
        node = find(parse(document(element, attr, relative), base_url=BASE), element)
        assert (node.attrs[attr] if attr else node.text) == absolute, (element, attr, relative)
        # Validation alone (no base) leaves the value as written.
        unresolved = find(parse(document(element, attr, relative), base_url=None), element)
        assert (unresolved.attrs[attr] if attr else unresolved.text) == relative


def test_every_attribute_named_like_a_url_is_declared_a_url() -> None:
    named = [(name, attr) for name, spec in SPECS.items() for attr in spec.attributes if URL_NAMES.search(attr)]
    assert len(named) >= 28
    undeclared = [(name, attr) for name, attr in named if not isinstance(SPECS[name].attributes[attr][0], Url)]
    assert undeclared == [], "declare these with Url in switchboard/voice/elements.py, so they resolve"
    assert {name for name, spec in SPECS.items() if isinstance(spec.body, Url)} == URL_BODIES


@pytest.mark.parametrize(("element", "attr", "keyword"), [
    ("Conference", "enterSound", "beep:1"), ("Conference", "exitSound", "beep:2"), ("Conference", "enterSound", ""),
    ("Dial", "dialMusic", "real"), ("MultiPartyCall", "enterSound", "none"), ("MultiPartyCall", "exitSound", "beep:2"),
])
def test_keywords_that_are_not_urls_stay_as_they_are(element: str, attr: str, keyword: str) -> None:
    assert find(parse(document(element, attr, keyword), base_url=BASE), element).attrs[attr] == keyword


def test_defaults_and_absent_urls_stay_unset() -> None:
    [dial] = parse("<Response><Dial><Number>14155550100</Number></Dial></Response>", base_url=BASE)
    assert dial["action"] is None and dial["dialMusic"] is None and dial["callbackUrl"] is None


def test_a_url_that_cannot_be_parsed_is_left_for_the_request_to_report() -> None:
    [play] = parse("<Response><Play>http://[::1/x.wav</Play></Response>", base_url=BASE)
    assert play.text == "http://[::1/x.wav"


# --- end to end, on the simulated network ----------------------------------------------------------


def answer(sim: Sim, customer: CustomerApp, xml: str) -> str:
    """A number whose application's answer URL is ``/telephony/answer`` on the customer's server."""
    customer.route("/telephony/answer", xml)
    customer.route("/hangup", "")
    return sim.rent_number(sim.application(customer.url("/telephony/answer"), hangup_url=customer.url("/hangup")))


def no_url_errors(sim: Sim) -> None:
    errors = [e["error"] for e in log_entries(sim.server, sim.account) if e["error"]]
    assert not [e for e in errors if "absolute" in e or "no usable XML" in e], errors


def test_relative_conference_sounds_and_play_are_fetched_from_the_documents_server(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/telephony/greeting.wav", wav(1.0))
    customer.route("/telephony/wait-music", "<Response><Play>hold.wav</Play></Response>")  # relative to wait-music
    customer.route("/telephony/hold.wav", wav(1.0))
    customer.route("/sounds/enter", "<Response><Speak>Someone joined.</Speak></Response>")
    customer.route("/telephony/events", "")
    number = answer(sim, customer, '<Response><Play>greeting.wav</Play>'
                                   '<Conference waitSound="/telephony/wait-music?lang=en" enterSound="../sounds/enter" '
                                   'callbackUrl="events" startConferenceOnEnter="false">hotline</Conference></Response>')
    sim.phone("14155567001", [])
    sim.call("14155567001", number, [{"wait": 8}, {"hangup": True}])
    customer.wait_for("/hangup")

    assert customer.wait_for("/telephony/wait-music")[0].params["lang"] == "en"
    customer.wait_for("/sounds/enter")  # played to the room (the waiting member is deaf to it)
    assert [hit.params["ConferenceAction"] for hit in customer.wait_for("/telephony/events", 2)] == ["enter", "exit"]
    log = sim.log("14155567001")
    played = [event["url"] for event in kinds(log, "heard_audio")]
    assert played[0] == customer.url("/telephony/greeting.wav")
    assert played[1:] and set(played[1:]) == {customer.url("/telephony/hold.wav")}  # the wait music, looped
    no_url_errors(sim)


def test_relative_dial_music_confirm_sound_and_callbacks_reach_the_documents_server(sim: Sim, customer: CustomerApp) -> None:
    for path, reply in {"music": "<Speak>Please hold.</Speak>", "confirm": "<Speak>Press 5 to take the call.</Speak>",
                        "after": "<Redirect>goodbye</Redirect>", "goodbye": "<Speak>Goodbye.</Speak>"}.items():
        customer.route(f"/telephony/{path}", f"<Response>{reply}</Response>")
    customer.route("/telephony/dial-events", "")
    number = answer(sim, customer, '<Response><Dial dialMusic="music" confirmSound="confirm" confirmKey="5" '
                                   'callbackUrl="dial-events" action="after"><Number>14155567012</Number></Dial>'
                                   '</Response>')
    sim.phone("14155567012", [{"ring": 4}, {"wait": 3}, {"press": "5"}, {"wait": 2}, {"hangup": True}])
    sim.phone("14155567011", [])
    sim.call("14155567011", number, [{"wait": 30}])
    customer.wait_for("/hangup")  # the caller's (the B-leg has no hangup URL)

    action: dict[str, Any] = customer.wait_for("/telephony/after")[0].params
    assert action["DialStatus"] == "completed"
    assert "answer" in [hit.params["DialAction"] for hit in customer.wait_for("/telephony/dial-events")]
    assert "Please hold." in [e["text"] for e in kinds(sim.log("14155567011"), "heard_speech")]
    assert kinds(sim.log("14155567012"), "heard_speech")[0]["text"] == "Press 5 to take the call."
    assert kinds(sim.log("14155567011"), "heard_speech")[-1]["text"] == "Goodbye."  # the Redirect resolved too
    no_url_errors(sim)


def test_relative_record_action_and_recording_callback_reach_the_documents_server(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/telephony/saved", "")
    customer.route("/telephony/recorded", "")
    number = answer(sim, customer, '<Response><Record action="saved" callbackUrl="recorded" maxLength="2" '
                                   'playBeep="false" redirect="false"/></Response>')
    sim.phone("14155567021", [])
    sim.call("14155567021", number, [{"say": "please call me back"}, {"wait": 10}])
    action = customer.wait_for("/telephony/saved")[0].params
    callback = customer.wait_for("/telephony/recorded")[0].params
    assert action["RecordingID"] and callback["RecordingID"] == action["RecordingID"]
    no_url_errors(sim)
