"""Simulator: a call placed from the page reaches the application and its live view shows what the
phone heard and pressed and the requests the application got; a message from the page reaches the
number's message URL; the virtual clock moves from the page; CSRF, account isolation, escaping."""

import html
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from tests.console.helpers import ConsoleUser, browser_sign_in, field_error
from tests.console.test_browser import keep_screenshot, browser_page  # noqa: F401  (headless Chromium)
from tests.helpers import LiveServer, MainAccount
from tests.voice.conftest import Sim, clock_auto, voice_server  # noqa: F401  (the virtual-clock server, one per backend)
from tests.voice.customer_app import CustomerApp

PAGE = "/simulator"
CALLER = "14155550142"


@pytest.fixture
def main(voice_server: LiveServer) -> MainAccount:  # noqa: F811
    return voice_server.new_main_account()


@pytest.fixture
def sim(voice_server: LiveServer, main: MainAccount) -> Iterator[Sim]:  # noqa: F811
    helper = Sim(voice_server, main)
    yield helper
    helper.http.close()


@pytest.fixture
def customer() -> Iterator[CustomerApp]:
    app = CustomerApp()
    yield app
    app.stop()


@pytest.fixture
def user(voice_server: LiveServer, main: MainAccount) -> Iterator[ConsoleUser]:  # noqa: F811
    console = ConsoleUser(voice_server)
    assert console.sign_in(main.auth_id, main.auth_token).status_code == 303
    yield console
    console.close()


def until(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def call_form(from_: str, to: str, steps: list[tuple[str, str]], **extra: str) -> dict[str, Any]:
    return {"from": from_, "to": to, "step": [kind for kind, _ in steps], "value": [value for _, value in steps], **extra}


def ivr(customer: CustomerApp) -> None:
    customer.route("/answer", f'<Response><GetDigits action="{customer.url("/digits")}" numDigits="1" timeout="5">'
                              "<Speak>Press one for sales</Speak></GetDigits></Response>")
    customer.route("/digits", lambda p: f"<Response><Speak>You pressed {p.get('Digits', '')}</Speak></Response>")
    customer.route("/hangup", "<Response/>")


def test_a_call_from_the_page_reaches_the_answer_url_and_is_watched_live(
        sim: Sim, customer: CustomerApp, user: ConsoleUser) -> None:
    ivr(customer)
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    page = user.get(PAGE)
    assert page.status_code == 200 and f'<option value="{number}"' in page.text
    placed = user.post(f"{PAGE}/calls", call_form(CALLER, number, [("wait", "1"), ("press", "1"), ("wait", "4"),
                                                                      ("hangup", "")]))
    assert placed.status_code == 303
    call_uuid = placed.headers["location"].rsplit("/", 1)[1]
    [answer] = until(lambda: customer.requests_to("/answer"), "the answer URL")
    assert (answer.params["CallUUID"], answer.params["From"], answer.params["To"]) == (call_uuid, CALLER, number)
    assert sim.record(call_uuid)["end_time"]

    def finished() -> str | None:
        live = user.get(f"{PAGE}/calls/{call_uuid}/live").text
        return live if customer.url("/hangup") in live and customer.url("/digits") in live else None

    live = until(finished, "the live view to show the requests")
    assert "Heard: “Press one for sales”" in live and "Pressed 1" in live and "Heard: “You pressed 1”" in live
    assert '<code class="keys">1</code>' in live
    assert customer.url("/answer") in live and "Call ended by the platform" in live  # the XML ended first
    view = user.get(f"{PAGE}/calls/{call_uuid}")
    assert f'href="/logs/calls/{call_uuid}"' in view.text and "completed" in view.text
    # the fragment keeps polling a few times after the end (for the callbacks), then stops
    tails = [user.get(f"{PAGE}/calls/{call_uuid}/live", params={"tail": tail}).text for tail in (0, 2)]
    assert 'hx-trigger="every 2s"' in tails[0] and 'hx-trigger="every 2s"' not in tails[1]
    # the phone's page lists the call; the Simulator page lists the phone and the call placed here
    assert call_uuid[:8] in user.get(f"{PAGE}/phones/{CALLER}").text
    again = user.get(PAGE).text
    assert f'href="/simulator/phones/{CALLER}"' in again and f'href="/simulator/calls/{call_uuid}"' in again


def test_an_endpoint_is_a_target_and_an_outbound_call_shows_the_phone_it_called(
        sim: Sim, customer: CustomerApp, user: ConsoleUser) -> None:
    ivr(customer)
    app_id = sim.application(customer.url("/answer"))
    number = sim.rent_number(app_id)
    made = sim.http.post(f"/v1/Account/{sim.account.auth_id}/Endpoint/",
                         json={"username": "desk", "password": "12345", "alias": "Front <desk>", "app_id": app_id})
    assert made.status_code == 201, made.text
    [uri] = re.findall(r'<option value="(sip:desk[^"]*)" >desk[0-9]* \(Front &lt;desk&gt;\)</option>', user.get(PAGE).text)
    placed = user.post(f"{PAGE}/calls", call_form(CALLER, uri, [("press", "1")]))
    assert placed.status_code == 303
    [answer] = until(lambda: customer.requests_to("/answer"), "the endpoint's application")
    assert answer.params["To"] == uri and answer.params["From"] == CALLER

    callee = "14155550199"
    outbound = sim.http.post(f"/v1/Account/{sim.account.auth_id}/Call/",
                             json={"from": number, "to": callee, "answer_url": customer.url("/answer")})
    assert outbound.status_code == 201, outbound.text
    call_uuid = outbound.json()["request_uuid"]
    sim.record(call_uuid)
    phone = until(lambda: (text := user.get(f"{PAGE}/phones/{callee}").text) and "Press one" in text and text,
                  "the called phone's page")
    assert f"Incoming call from {number} to {callee}" in phone and f'href="/simulator/calls/{call_uuid}"' in phone
    view = user.get(f"{PAGE}/calls/{call_uuid}").text
    assert "Heard: “Press one for sales”" in view and f'href="/simulator/phones/{callee}"' in view


def test_the_phone_hangs_up_from_the_live_view(voice_server: LiveServer, sim: Sim, customer: CustomerApp,  # noqa: F811
                                               user: ConsoleUser) -> None:
    customer.route("/answer", '<Response><Wait length="300"/></Response>')
    number = sim.rent_number(sim.application(customer.url("/answer")))
    clock_auto(voice_server, False)  # the virtual clock at real speed: the call stays up meanwhile
    try:
        placed = user.post(f"{PAGE}/calls", call_form(CALLER, number, [("wait", "300")]))
        call_uuid = placed.headers["location"].rsplit("/", 1)[1]
        live = until(lambda: (text := user.get(f"{PAGE}/calls/{call_uuid}/live").text) and "state-connecting" not in text and text,
                     "the call to reach the application")
        assert "Hang Up the Phone" in live and customer.requests_to("/answer")
        assert user.post(f"{PAGE}/calls/{call_uuid}/hangup", {}, token=False).status_code == 403
        hung = user.post(f"{PAGE}/calls/{call_uuid}/hangup", {})
        assert hung.status_code == 303 and hung.headers["location"] == f"{PAGE}/calls/{call_uuid}"
        assert sim.record(call_uuid)["hangup_source"] == "Caller"
    finally:
        clock_auto(voice_server, True)
    after = user.get(f"{PAGE}/calls/{call_uuid}/live").text
    assert "Call ended by the phone (hangup)" in after and "Hang Up the Phone" not in after
    assert user.post(f"{PAGE}/calls/{call_uuid}/hangup", {}).status_code == 303  # ended already: nothing to do


def test_steps_are_added_removed_and_checked_with_the_api_text(sim: Sim, user: ConsoleUser) -> None:
    number = sim.rent_number()
    user.get(PAGE)
    steps = [("wait", "2"), ("press", "1")]
    added = user.post(f"{PAGE}/calls", {**call_form(CALLER, number, steps), "add_step": "1"})
    assert added.status_code == 200 and len(re.findall(r'<li class="step', added.text)) == 3
    removed = user.post(f"{PAGE}/calls", {**call_form(CALLER, number, steps), "remove_step": "0"})
    assert len(re.findall(r'<li class="step', removed.text)) == 1 and 'value="1"' in removed.text
    bad = user.post(f"{PAGE}/calls", call_form("not a number", number, [("press", "12x"), ("wait", "-1")]))
    assert bad.status_code == 400
    press = api_error(sim, {"from": CALLER, "to": number, "script": [{"press": "12x"}]})
    wait = api_error(sim, {"from": CALLER, "to": number, "script": [{"wait": -1}]})
    assert field_error(bad.text, "step-0") and field_error(bad.text, "step-0").split(": ", 1)[1] in press
    assert field_error(bad.text, "step-1") and field_error(bad.text, "step-1").split(": ", 1)[1] in wait
    fixed = user.post(f"{PAGE}/calls", call_form("not a number", number, [("wait", "1")]))
    with sim.server.http(sim.account) as api:  # a From is read as /_sim/messages reads one
        said = api.post("/_sim/messages", json={"from": "not a number", "to": number, "text": "x"}).json()["error"]
    assert field_error(fixed.text, "from") == said


def api_error(sim: Sim, body: dict[str, Any]) -> str:
    with sim.server.http(sim.account) as api:
        return api.post("/_sim/calls", json=body).json()["error"]


def test_a_message_from_the_page_reaches_the_message_url_and_the_reply_reaches_the_phone(
        sim: Sim, customer: CustomerApp, user: ConsoleUser) -> None:
    number = sim.rent_number(sim.application(customer.url("/answer"), message_url=customer.url("/sms")))
    customer.route("/sms", lambda p: f'<Response><Message src="{p["To"]}" dst="{p["From"]}">'
                                     f'{escape("Got it <b>" + p["Text"] + "</b>")}</Message></Response>')
    user.get(PAGE)
    sent = user.post(f"{PAGE}/messages", {"from": CALLER, "to": number, "text": "HELLO <i>there</i>", "media_url": ""})
    assert sent.status_code == 303 and sent.headers["location"].startswith(f"{PAGE}?sent={number}")
    [hit] = until(lambda: customer.requests_to("/sms"), "the message URL")
    assert (hit.params["From"], hit.params["To"], hit.params["Text"]) == (CALLER, number, "HELLO <i>there</i>")

    def received() -> str | None:
        text = user.get(f"{PAGE}/phones/{CALLER}").text
        return text if "Received SMS" in text else None

    phone = until(received, "the reply on the phone's page")
    assert f"Received SMS from {number}: Got it &lt;b&gt;HELLO &lt;i&gt;there&lt;/i&gt;&lt;/b&gt;" in phone
    assert f"Sent SMS to {number}: HELLO &lt;i&gt;there&lt;/i&gt;" in phone and "<i>there" not in phone
    empty = user.post(f"{PAGE}/messages", {"from": CALLER, "to": number, "text": "", "media_url": ""})
    with sim.server.http(sim.account) as api:
        said = api.post("/_sim/messages", json={"from": CALLER, "to": number, "text": ""}).json()["error"]
    assert empty.status_code == 400 and field_error(empty.text, "message-text") == said
    mms = user.post(f"{PAGE}/messages", {"from": CALLER, "to": number, "text": "x", "media_url": "ftp://nope"})
    assert mms.status_code == 400 and field_error(mms.text, "message-media-url").startswith("media_urls")


def test_the_clock_moves_on_a_virtual_clock_and_only_for_a_main_account(
        voice_server: LiveServer, main: MainAccount, user: ConsoleUser) -> None:  # noqa: F811
    with voice_server.http(main) as api:
        before = api.get("/_sim/clock").json()["now"]
        assert user.get(PAGE).text.count("Advance Clock") == 1
        moved = user.post(f"{PAGE}/clock", {"amount": "3", "unit": "hours"})
        assert moved.status_code == 303
        after = api.get("/_sim/clock").json()["now"]
        assert _seconds_between(before, after) >= 3 * 3600
        wrong = user.post(f"{PAGE}/clock", {"amount": "soon", "unit": "hours"})
        assert wrong.status_code == 400 and "&#39;soon&#39; is not a number" in wrong.text
        assert user.post(f"{PAGE}/clock", {"amount": "-1", "unit": "hours"}).status_code == 400
        sub = api.post(f"/v1/Account/{main.auth_id}/Subaccount/", json={"name": "branch", "enabled": True}).json()
    branch = ConsoleUser(voice_server)
    try:
        branch.sign_in(sub["auth_id"], sub["auth_token"])
        assert "Advance Clock" not in branch.get(PAGE).text
        assert branch.post(f"{PAGE}/clock", {"amount": "1", "unit": "hours"}).status_code == 403
    finally:
        branch.close()


def _seconds_between(before: str, after: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(after) - datetime.fromisoformat(before)).total_seconds()


def test_the_clock_is_refused_on_a_real_clock(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    page = console.get(PAGE).text
    assert "Advance Clock" not in page and "--clock virtual" in page
    refused = console.post(f"{PAGE}/clock", {"amount": "1", "unit": "minutes"})
    assert refused.status_code == 400
    assert "the clock is real time; start the server with --clock virtual to move it" in refused.text


def test_forms_without_the_csrf_token_are_refused(sim: Sim, customer: CustomerApp, user: ConsoleUser) -> None:
    number = sim.rent_number(sim.application(customer.url("/answer"), message_url=customer.url("/sms")))
    user.get(PAGE)
    assert user.post(f"{PAGE}/calls", call_form("14155550177", number, [("wait", "1")]), token=False).status_code == 403
    assert user.post(f"{PAGE}/messages", {"from": "14155550177", "to": number, "text": "hi"}, token=False).status_code == 403
    with sim.server.http(sim.account) as api:
        assert api.get("/_sim/clock").status_code == 200
        before = api.get("/_sim/clock").json()["now"]
        assert user.post(f"{PAGE}/clock", {"amount": "5", "unit": "hours"}, token=False).status_code == 403
        assert _seconds_between(before, api.get("/_sim/clock").json()["now"]) < 5 * 3600
        assert api.get("/_sim/phones/14155550177").status_code == 404  # the phone never called nor sent
    assert customer.hits == []


def test_a_subaccount_targets_only_its_own_numbers_and_sees_only_its_calls(
        voice_server: LiveServer, main: MainAccount, sim: Sim, customer: CustomerApp, user: ConsoleUser) -> None:  # noqa: F811
    ivr(customer)
    main_number = sim.rent_number(sim.application(customer.url("/answer")))
    with voice_server.http(main) as api:
        base = f"/v1/Account/{main.auth_id}"
        sub = api.post(f"{base}/Subaccount/", json={"name": "branch", "enabled": True}).json()
        own_number = sim.rent_number()
        assert api.post(f"{base}/Number/{own_number}/", json={"subaccount": sub["auth_id"]}).status_code == 202
    placed = user.post(f"{PAGE}/calls", call_form(CALLER, main_number, [("wait", "1"), ("hangup", "")]))
    main_call = placed.headers["location"].rsplit("/", 1)[1]
    sim.record(main_call)
    branch = ConsoleUser(voice_server)
    try:
        branch.sign_in(sub["auth_id"], sub["auth_token"])
        page = branch.get(PAGE).text
        assert f'<option value="{own_number}"' in page and f'<option value="{main_number}"' not in page
        refused = branch.post(f"{PAGE}/calls", call_form("not a number", main_number, [("wait", "1")]))
        assert field_error(refused.text, "from") and field_error(refused.text, "to")  # both at once
        refused = branch.post(f"{PAGE}/calls", call_form(CALLER, main_number, [("wait", "1")]))
        assert refused.status_code == 400
        assert field_error(refused.text, "to") == f"to: {main_number} is not one of this account's numbers or endpoints"
        message = branch.post(f"{PAGE}/messages", {"from": CALLER, "to": main_number, "text": "hi"})
        assert field_error(message.text, "message-to") == (
            f"to: {main_number} is not one of this account's numbers or endpoints")
        assert branch.get(f"{PAGE}/calls/{main_call}").status_code == 404
        assert branch.get(f"{PAGE}/calls/{main_call}/live").status_code == 404
        assert branch.post(f"{PAGE}/calls/{main_call}/hangup", {}).status_code == 404
        assert branch.get(f"{PAGE}/phones/{CALLER}").status_code == 404  # its only call is the main account's
        assert f"/simulator/phones/{CALLER}" not in page
    finally:
        branch.close()
    assert len(customer.requests_to("/answer")) == 1


def test_what_users_typed_is_escaped(sim: Sim, customer: CustomerApp, user: ConsoleUser) -> None:
    ivr(customer)
    number = sim.rent_number(sim.application(customer.url("/answer")))
    script = "<script>alert(1)</script>"
    placed = user.post(f"{PAGE}/calls", call_form(CALLER, number, [("say", script), ("hangup", "")], caller_name=script))
    call_uuid = placed.headers["location"].rsplit("/", 1)[1]
    sim.record(call_uuid)
    live = until(lambda: (text := user.get(f"{PAGE}/calls/{call_uuid}/live").text) and "Said" in text and text,
                 "the phone's speech in the live view")
    assert "Said: “&lt;script&gt;alert(1)&lt;/script&gt;”" in live and "<script>alert" not in live
    bad = user.post(f"{PAGE}/calls", call_form(script, number, [("wait", "1")]))
    assert "<script>alert" not in bad.text and "&lt;script&gt;" in bad.text


@pytest.mark.one_backend
def test_a_call_placed_in_chromium_is_watched_until_it_ends(
        voice_server: LiveServer, main: MainAccount, sim: Sim, customer: CustomerApp,  # noqa: F811
        browser_page: Any, tmp_path: Path, repo_root: Path) -> None:
    from playwright.sync_api import expect

    ivr(customer)
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup"),
                                             message_url=customer.url("/sms")))
    customer.route("/sms", lambda p: f'<Response><Message src="{p["To"]}" dst="{p["From"]}">Thanks!</Message></Response>')
    customer.route("/digits", lambda p: f"<Response><Speak>You pressed {p['Digits']}</Speak><Wait length=\"3\"/></Response>")
    errors: list[str] = []
    page = browser_page.new_page(viewport={"width": 1200, "height": 900})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{voice_server.base_url}/login")
    browser_sign_in(page, voice_server.base_url, main)
    page.get_by_role("link", name="Simulator").click()
    page.wait_for_url(f"{voice_server.base_url}/simulator")

    page.get_by_label("From", exact=True).first.fill(CALLER)
    page.locator("#call-to").select_option(number)
    page.get_by_role("button", name="Add Step").click()  # htmx swaps the form in place
    expect(page.locator("li.step")).to_have_count(5)
    page.locator("#step-4").select_option("say")
    page.locator("#value-4").fill("goodbye")
    page.get_by_role("button", name="Remove step 4").click()
    expect(page.locator("li.step")).to_have_count(4)
    assert page.locator("#value-3").input_value() == "goodbye"
    assert page.locator("#call-from").input_value() == CALLER  # what was typed survives the swap
    page.locator("#call-from").fill("not a number")
    page.get_by_role("button", name="Call", exact=True).last.click()  # refused: htmx swaps the form with the error
    expect(page.locator("#from-error")).to_contain_text("is not a phone number in E.164 format")
    page.screenshot(path=tmp_path / "simulator.png", full_page=True)
    page.locator("#call-from").fill(CALLER)
    clock_auto(voice_server, False)  # the virtual clock at real speed: the call lasts a few seconds
    try:
        page.get_by_role("button", name="Call", exact=True).last.click()
        page.wait_for_url(re.compile(r".*/simulator/calls/[0-9a-f-]{36}$"))
        expect(page.locator(".live-dot")).to_be_visible()
        page.locator("strong.state-completed").wait_for(timeout=20_000)  # htmx polls the live view
    finally:
        clock_auto(voice_server, True)
    expect(page.locator(".live-dot")).to_have_count(0)
    page.locator("ol.requests").get_by_text(customer.url("/hangup")).wait_for()
    expect(page.locator("ol.timeline li.did")).to_have_text(re.compile(r"Pressed 1$"))
    expect(page.locator("ol.timeline li.heard").first).to_contain_text("Heard: “Press one for sales”")
    page.locator("details").first.click()
    page.screenshot(path=tmp_path / "simulator-call.png", full_page=True)

    page.goto(f"{voice_server.base_url}/simulator")
    page.get_by_label("From", exact=True).last.fill(CALLER)
    page.locator("#message-to").select_option(number)
    page.get_by_label("Text").fill("Hi there")
    page.get_by_role("button", name="Send Message").click()
    page.get_by_role("status").get_by_text(f"Message sent to {number}").wait_for()
    page.get_by_role("link", name=CALLER, exact=True).click()
    page.get_by_text(f"Received SMS from {number}: Thanks!").wait_for()  # polled in as it arrives
    page.screenshot(path=tmp_path / "simulator-phone.png", full_page=True)

    phone = browser_page.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{voice_server.base_url}/simulator")
    phone.screenshot(path=tmp_path / "simulator-phone-width.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    for shot in sorted(tmp_path.glob("*.png")):
        keep_screenshot(shot, repo_root)


def test_a_phones_log_pages_by_twenty_and_only_the_newest_page_polls(sim: Sim, user: ConsoleUser) -> None:
    number = sim.rent_number()
    user.get(PAGE)
    for count in range(21):
        assert user.post(f"{PAGE}/messages", {"from": "14155550188", "to": number, "text": f"m{count:02}"}).status_code == 303
    first = user.get(f"{PAGE}/phones/14155550188").text
    assert "1–20 of 21" in first and ": m20" in first and ": m00" not in first and 'hx-trigger="every 2s"' in first
    older = re.search(r'<a href="([^"]+)">Older</a>', first)
    assert older is not None
    second = user.get(html.unescape(older.group(1))).text
    assert "21–21 of 21" in second and ": m00" in second and 'hx-trigger="every 2s"' not in second
