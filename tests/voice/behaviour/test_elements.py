"""Plivo XML elements on both networks: what the phone heard and what the customer application
was told must agree (see the package's conftest for the two networks)."""

from tests.voice.behaviour.phones import Network

PLAY_HZ = 1400


def outbound(net: Network, xml: str, script: list[dict[str, object]] | None = None, **routes: object):  # type: ignore[no-untyped-def]
    """``POST Call/`` to a new phone whose answer URL serves ``xml``; until the call has ended."""
    net.app(xml, **routes)
    phone = net.phone(script)
    net.api_call(phone)
    answer = net.customer.wait_for("/answer")[0].params
    hangup = net.customer.wait_for("/hangup", timeout=40)[0].params
    phone.wait_ended()
    return phone, answer, hangup


def test_speak_is_heard_by_the_called_phone(net: Network) -> None:
    phone, answer, hangup = outbound(net, "<Response><Speak>Hello from the test line.</Speak></Response>")
    assert answer["To"] == phone.uri and answer["Direction"] == "outbound" and answer["CallStatus"] == "in-progress"
    assert hangup["CallUUID"] == answer["CallUUID"] and hangup["HangupCause"] == "NORMAL_CLEARING"
    heard = phone.heard("Hello from the test line", "Goodbye")
    assert heard.speech > 1.0
    assert heard.said("Hello from the test line", "Goodbye") == ["Hello from the test line"], heard.words


def test_play_sends_the_files_audio(net: Network) -> None:
    url = net.tone_url(PLAY_HZ, 1.5)
    phone, _, hangup = outbound(net, f"<Response><Play>{url}</Play></Response>")
    assert hangup["HangupCause"] == "NORMAL_CLEARING"
    assert phone.heard().tone(PLAY_HZ) > 1.0


def test_wait_keeps_the_line_up_in_silence(net: Network) -> None:
    phone, _, hangup = outbound(net, '<Response><Wait length="3"/><Speak>Done.</Speak></Response>')
    assert int(hangup["Duration"]) >= 3 and int(hangup["BillDuration"]) >= 3
    heard = phone.heard()
    assert 0.2 < heard.speech < 2.0  # only the one word: the wait itself was silent


def test_dtmf_element_sends_digits_to_the_phone(net: Network) -> None:
    phone, _, hangup = outbound(net, "<Response><DTMF>1234</DTMF><Wait length=\"1\"/></Response>")
    assert hangup["HangupCause"] == "NORMAL_CLEARING"
    assert phone.heard().digits == "1234"


def test_redirect_fetches_the_next_document(net: Network) -> None:
    phone, answer, _ = outbound(net, "<Response><Redirect>{}</Redirect><Speak>Never said.</Speak></Response>"
                                .format(net.customer.url("/next")), next="<Response><Speak>Redirected here.</Speak></Response>")
    redirected = net.customer.wait_for("/next")[0].params
    assert redirected["CallUUID"] == answer["CallUUID"] and redirected["CallStatus"] == "in-progress"
    heard = phone.heard("Redirected here", "Never said")
    assert heard.said("Redirected here", "Never said") == ["Redirected here"], heard.words


def test_hangup_ends_the_call_and_skips_the_rest(net: Network) -> None:
    phone, answer, hangup = outbound(net, '<Response><Speak>Goodbye.</Speak><Hangup reason="rejected"/>'
                                          "<Wait length=\"5\"/><Speak>Never said.</Speak></Response>")
    assert hangup["CallUUID"] == answer["CallUUID"] and hangup["HangupSource"] == "Answer XML"
    assert int(hangup["Duration"]) < 5
    heard = phone.heard("Goodbye", "Never said")
    assert heard.said("Goodbye", "Never said") == ["Goodbye"], heard.words


def test_preanswer_plays_early_media_before_the_answer(net: Network) -> None:
    net.customer.route("/hangup", "")
    app = net.app("<Response><PreAnswer><Speak>Calls may be recorded.</Speak></PreAnswer>"
                  "<Speak>Welcome.</Speak><Wait length=\"20\"/></Response>")
    phone = net.phone([{"wait": 4}, {"hangup": True}], app_id=app)
    phone.call("14155550199")
    answer = net.customer.wait_for("/answer")[0].params
    hangup = net.customer.wait_for("/hangup", timeout=40)[0].params
    phone.wait_ended()
    assert answer["Direction"] == "inbound" and answer["From"] == phone.uri and answer["To"] == "14155550199"
    assert answer["CallStatus"] == "ringing"  # PreAnswer: the answer URL is fetched before the call is answered
    assert hangup["HangupCause"] == "NORMAL_CLEARING" and hangup["HangupSource"] == "Caller"
    assert phone.heard().speech > 1.5  # the early media, then the greeting


def test_message_element_sends_a_text_during_the_call(net: Network) -> None:
    found = net.http.get(f"/v1/Account/{net.account.auth_id}/PhoneNumber/", params={"country_iso": "US", "limit": 1})
    number = found.json()["objects"][0]["number"]
    assert net.http.post(f"/v1/Account/{net.account.auth_id}/PhoneNumber/{number}/", json={}).status_code == 201
    phone, _, _ = outbound(net, f'<Response><Message src="{number}" dst="14155550311">Your code is 1234</Message>'
                                "<Speak>We sent you a text.</Speak></Response>")
    sent = net.sdk.messages.list(message_direction="outbound")
    assert [(m.from_number, m.to_number) for m in sent] == [(number, "14155550311")]
    assert phone.heard("We sent you a text", "Goodbye").said("We sent you a text", "Goodbye") == ["We sent you a text"]
