"""Messaging > Send a Message (the service of ``POST Message/``: its validation messages beside the
fields, the sent message's UUID and status, its text escaped) and Messaging > Settings (the
``MessagingSettings/`` values and the opt-out list, changed through ``messaging.settings``, which
the sender checks). CSRF and subaccount isolation on both pages."""

import re
from typing import Any

from markupsafe import escape

from tests.billing.conftest import buy_number
from tests.console.helpers import ConsoleUser, field_error, signed_in
from tests.helpers import LiveServer, MainAccount

SEND = "/messaging/send"
SETTINGS = "/messaging/settings"
HANDSET = "14155550142"
SCRIPT = "<script>alert('sms')</script>"



def api(server: LiveServer, account: MainAccount, method: str, path: str, **kwargs: Any) -> Any:
    with server.http(account) as http:
        return http.request(method, f"/v1/Account/{account.auth_id}/{path}", **kwargs)


def message_count(server: LiveServer, account: MainAccount) -> int:
    return api(server, account, "GET", "Message/").json()["meta"]["total_count"]


def test_send_a_message_shows_its_uuid_and_status_with_the_text_escaped(server: LiveServer, account: MainAccount,
                                                                         console: ConsoleUser) -> None:
    number = buy_number(server, account)
    form = console.get(SEND)
    assert form.status_code == 200 and f'<option value="{number}">' in form.text
    for label in ("From", "To", "Text", "Type", "Media URLs"):
        assert f">{label}</label>" in form.text
    sent = console.post(SEND, {"src": number, "dst": HANDSET, "text": SCRIPT, "type": "sms", "media_urls": ""})
    assert sent.status_code == 303, sent.text
    uuid = sent.headers["location"].split("sent=")[1]
    message = api(server, account, "GET", f"Message/{uuid}/").json()
    assert (message["from_number"], message["to_number"], message["message_type"]) == (number, HANDSET, "sms")
    page = console.get(sent.headers["location"])
    row = re.search(rf'<code class="uuid">{uuid}</code>.*?<td class="state">([a-z]+)', page.text, re.DOTALL)
    assert row and row.group(1) in ("queued", "sent", "delivered", "undelivered", "failed")
    assert SCRIPT not in page.text and escape(SCRIPT) in page.text
    status = console.get(f"{SEND}/status", params={"sent": uuid})
    assert uuid in status.text and SCRIPT not in status.text


def test_the_apis_errors_are_shown_beside_their_fields(server: LiveServer, account: MainAccount,
                                                       console: ConsoleUser) -> None:
    number = buy_number(server, account)
    console.get(SEND)
    cases = [
        ({"src": number, "dst": "", "text": "hi"}, "dst", "dst is required"),
        ({"src": number, "dst": HANDSET, "text": ""}, "text", "text is required for an SMS and may not be empty"),
        ({"src": "14155550999", "dst": HANDSET, "text": "hi"}, "src",
         "src: 14155550999 is not a number of this account (error 40, invalid source number)"),
        ({"src": number, "dst": "12", "text": "hi"}, "dst", None),
        ({"src": number, "dst": HANDSET, "text": "hi", "media_urls": "https://example.org/a.png"}, "media_urls",
         "media_urls and media_ids need type mms"),
        ({"src": number, "dst": HANDSET, "text": "hi", "type": "fax"}, "type", None),
    ]
    for data, field, message in cases:
        response = console.post(SEND, {"type": "sms", "media_urls": "", **data})
        assert response.status_code == 400, (data, response.text)
        shown = field_error(response.text, field)
        assert shown and (message is None or shown == message), (data, shown)
    escaped = console.post(SEND, {"src": SCRIPT, "dst": HANDSET, "text": SCRIPT, "type": "sms"})
    assert escaped.status_code == 400 and SCRIPT not in escaped.text
    assert console.post(SEND, {"src": number, "dst": HANDSET, "text": "hi", "type": "sms"}, token=False).status_code == 403
    assert message_count(server, account) == 0


def test_a_subaccount_sends_only_from_its_numbers_and_sees_only_its_messages(server: LiveServer, account: MainAccount,
                                                                             console: ConsoleUser) -> None:
    mine = buy_number(server, account)
    console.get(SEND)
    main_uuid = console.post(SEND, {"src": mine, "dst": HANDSET, "text": "main", "type": "sms"}).headers["location"].split("sent=")[1]
    sub = api(server, account, "POST", "Subaccount/", json={"name": "Desk", "enabled": True}).json()
    user = signed_in(server, sub["auth_id"], sub["auth_token"])
    try:
        form = user.get(SEND)
        assert f'<option value="{mine}">' not in form.text
        refused = user.post(SEND, {"src": mine, "dst": HANDSET, "text": "hi", "type": "sms"})
        assert refused.status_code == 400 and field_error(refused.text, "src").startswith(f"src: {mine} belongs to another account")
        assert main_uuid not in user.get(SEND, params={"sent": main_uuid}).text
        assert main_uuid not in user.get(f"{SEND}/status", params={"sent": main_uuid}).text
    finally:
        user.close()


def opt_outs(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<tr><td><code>\+(\d+)</code></td><td><code>\+(\d+)</code></td>", page)


def test_settings_and_the_opt_out_list(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    number = buy_number(server, account)
    page = console.get(SETTINGS)
    assert page.status_code == 200 and '<option value="auto" selected>' in page.text
    saved = console.post(SETTINGS, {"opt_out": "on", "stop_text": SCRIPT, "start_text": "", "help_text": "Call us"})
    assert saved.status_code == 303
    assert api(server, account, "GET", "MessagingSettings/").json() | {"api_id": ""} == {
        "api_id": "", "opt_out": "on", "stop_text": SCRIPT, "start_text": "", "help_text": "Call us"}
    page = console.get(SETTINGS)
    assert '<option value="on" selected>' in page.text and SCRIPT not in page.text and escape(SCRIPT) in page.text
    bad = console.post(SETTINGS, {"opt_out": "sometimes", "stop_text": "", "start_text": "", "help_text": ""})
    assert bad.status_code == 400 and field_error(bad.text, "opt_out").startswith("opt_out: ")
    too_long = console.post(SETTINGS, {"opt_out": "on", "stop_text": "x" * 1601, "start_text": "", "help_text": ""})
    assert too_long.status_code == 400 and field_error(too_long.text, "stop_text")
    assert console.post(SETTINGS, {"opt_out": "off"}, token=False).status_code == 403
    assert api(server, account, "GET", "MessagingSettings/").json()["opt_out"] == "on"

    added = console.post(f"{SETTINGS}/opt-outs", {"number": number, "handset": f"+{HANDSET}"})
    assert added.status_code == 303
    assert opt_outs(console.get(SETTINGS).text) == [(number, HANDSET)]
    blocked = api(server, account, "POST", "Message/", json={"src": number, "dst": HANDSET, "text": "hello"}).json()
    state = api(server, account, "GET", f"Message/{blocked['message_uuid'][0]}/").json()
    assert (state["message_state"], state["error_code"]) == ("failed", "200")  # the sender reads the same list
    wrong = console.post(f"{SETTINGS}/opt-outs", {"number": "14155550999", "handset": HANDSET})
    assert wrong.status_code == 400 and field_error(wrong.text, "number") == "number: 14155550999 is not a number of this account"
    junk = console.post(f"{SETTINGS}/opt-outs", {"number": number, "handset": "12"})
    assert junk.status_code == 400 and field_error(junk.text, "handset")
    assert console.post(f"{SETTINGS}/opt-outs/remove", {"number": number, "handset": HANDSET}, token=False).status_code == 403

    sub = api(server, account, "POST", "Subaccount/", json={"name": "Desk", "enabled": True}).json()
    user = signed_in(server, sub["auth_id"], sub["auth_token"])
    try:
        page = user.get(SETTINGS)
        assert page.status_code == 200 and "belong to the main account" in page.text and "Call us" not in page.text
        assert opt_outs(page.text) == []
        assert user.post(SETTINGS, {"opt_out": "off"}).status_code == 403
        assert user.post(f"{SETTINGS}/opt-outs/remove", {"number": number, "handset": HANDSET}).status_code == 404
        assert user.post(f"{SETTINGS}/opt-outs", {"number": number, "handset": "14155550143"}).status_code == 400
    finally:
        user.close()
    assert api(server, account, "GET", "MessagingSettings/").json()["opt_out"] == "on"
    assert opt_outs(console.get(SETTINGS).text) == [(number, HANDSET)]

    removed = console.post(f"{SETTINGS}/opt-outs/remove", {"number": number, "handset": HANDSET})
    assert removed.status_code == 303 and opt_outs(console.get(SETTINGS).text) == []
    assert console.post(f"{SETTINGS}/opt-outs/remove", {"number": number, "handset": HANDSET}).status_code == 404
