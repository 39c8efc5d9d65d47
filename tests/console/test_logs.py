"""Logs > Calls, Messages, Recordings, Debug: the API's filters (and its messages beside the field),
20 a page, CSV export of a filtered list, the timeline of a real call on the simulator with its
answer-URL request and the XML returned, recordings played, downloaded and deleted, every user
string escaped, and a subaccount kept to its own rows."""

import csv
import html
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.console.helpers import ConsoleUser, field_error
from tests.console.logs_data import call_row, insert_rows, message_row
from tests.helpers import LiveServer, MainAccount
from tests.voice.conftest import Sim, customer, sim, voice_account, voice_server  # noqa: F401  (fixtures)
from tests.voice.customer_app import CustomerApp
from tests.webhooks.helpers import flush, notify

SCRIPT = "<script>alert(1)</script>"


def links(page: str, prefix: str) -> list[str]:
    return re.findall(rf'href="{prefix}/([0-9a-f-]{{36}})"', page)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def subaccount(server: LiveServer, account: MainAccount, name: str) -> dict[str, Any]:
    with server.http(account) as api:
        made = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": name, "enabled": True})
    assert made.status_code == 201, made.text
    return made.json()


@pytest.fixture
def sub_console(server: LiveServer, account: MainAccount) -> Iterator[tuple[ConsoleUser, str]]:
    sub = subaccount(server, account, "Field office")
    user = ConsoleUser(server)
    assert user.sign_in(sub["auth_id"], sub["auth_token"]).status_code == 303
    yield user, sub["auth_id"]
    user.close()


def test_call_logs_filter_and_page_like_the_api(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    insert_rows(server, calls=[call_row(account.auth_id, index) for index in range(1, 26)])
    first = console.get("/logs/calls")
    assert first.status_code == 200 and 'aria-current="page">Calls<' in first.text
    assert len(links(first.text, "/logs/calls")) == 20 and "1–20 of 25" in first.text
    second = console.get(html.unescape(re.search(r'href="([^"]+)">Next page', first.text).group(1)))
    assert len(links(second.text, "/logs/calls")) == 5 and "21–25 of 25" in second.text
    assert not set(links(first.text, "/logs/calls")) & set(links(second.text, "/logs/calls"))

    inbound = console.get("/logs/calls", params={"call_direction": "inbound", "bill_duration__gte": "10"})
    assert "1–8 of 8" in inbound.text  # odd durations 11..25
    with server.http(account) as api:
        same = api.get(f"/v1/Account/{account.auth_id}/Call/",
                       params={"call_direction": "inbound", "bill_duration__gte": 10, "limit": 20}).json()
    assert sorted(links(inbound.text, "/logs/calls")) == sorted(row["call_uuid"] for row in same["objects"])

    bad = console.get("/logs/calls", params={"bill_duration__gte": "many", "end_time__gte": "yesterday"})
    assert bad.status_code == 400
    assert "integer" in (field_error(bad.text, "bill_duration__gte") or "")
    assert field_error(bad.text, "end_time__gte")
    foreign = console.get("/logs/calls", params={"subaccount": "SA0000000000000000XX"})
    assert foreign.status_code == 400 and "is not a subaccount of this account" in (field_error(foreign.text, "subaccount") or "")


def test_a_filtered_list_exports_as_csv(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    insert_rows(server, calls=[call_row(account.auth_id, index) for index in range(1, 46)],
                messages=[message_row(account.auth_id, 1, text="=HYPERLINK(\"http://evil\")"),
                          message_row(account.auth_id, 2, text="plain, with \"quotes\"\nand a line")])
    every = console.get("/logs/calls.csv")
    assert every.status_code == 200 and every.headers["content-type"].startswith("text/csv")
    assert 'filename="calls.csv"' in every.headers["content-disposition"]
    rows = csv_rows(every.text)
    assert len(rows) == 45 and rows[0]["bill_duration"] == "45"  # newest first, every page at once
    outbound = csv_rows(console.get("/logs/calls.csv", params={"call_direction": "outbound", "offset": "20"}).text)
    assert len(outbound) == 22 and {row["call_direction"] for row in outbound} == {"outbound"}

    messages = {row["text"]: row for row in csv_rows(console.get("/logs/messages.csv").text)}
    assert "'=HYPERLINK(\"http://evil\")" in messages  # a spreadsheet would run it as a formula
    assert "plain, with \"quotes\"\nand a line" in messages
    assert console.get("/logs/calls.csv", params={"bill_duration": "x"}).status_code == 400


def test_message_logs_filter_and_show_text_escaped_with_status_callbacks(server: LiveServer, account: MainAccount,
                                                                         console: ConsoleUser) -> None:
    rows = [message_row(account.auth_id, index) for index in range(1, 8)]
    rows[0]["text"] = SCRIPT
    insert_rows(server, messages=rows)
    failed = console.get("/logs/messages", params={"message_state": "failed"})
    assert failed.status_code == 200 and "1–2 of 2" in failed.text  # indexes 3 and 6
    listed = console.get("/logs/messages")
    assert SCRIPT not in listed.text and html.escape(SCRIPT) in listed.text
    uuid = rows[0]["message_uuid"]
    notify(server, account, "http://127.0.0.1:9/status", {"MessageUUID": uuid, "Status": "delivered",
                                                            "Note": SCRIPT}, event="message status")
    flush(server)
    page = console.get(f"/logs/messages/{uuid}")
    assert page.status_code == 200 and SCRIPT not in page.text
    assert f'<pre class="body" id="message-text">{html.escape(SCRIPT)}</pre>' in page.text
    assert "http://127.0.0.1:9/status" in page.text and "<th scope=\"row\">Status</th><td>delivered</td>" in page.text
    assert console.get("/logs/messages", params={"message_state": "lost"}).status_code == 400


def test_debug_log_all_and_errors(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    notify(server, account, "http://127.0.0.1:9/unreachable#rc=0", {"CallUUID": "c1"}, event="call.hangup")
    flush(server)
    every = console.get("/logs/debug")
    assert every.status_code == 200 and "http://127.0.0.1:9/unreachable" in every.text
    errors = console.get("/logs/debug", params={"errors": "true"})
    assert "http://127.0.0.1:9/unreachable" in errors.text and 'aria-current="page">Error<' in errors.text
    assert "call.hangup" in console.get("/logs/debug", params={"errors": "true", "event": "call.hangup"}).text
    assert "1–0 of 0" not in every.text and "0–0 of 0" in console.get("/logs/debug", params={"event": "nothing"}).text
    overview = console.get("/")
    assert "http://127.0.0.1:9/unreachable" in overview.text.split('id="recent-errors"')[1]


def test_overview_chart_counts_the_last_14_days(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    from datetime import datetime, timedelta, timezone
    today = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    insert_rows(server, calls=[call_row(account.auth_id, index, end=today) for index in range(3)]
                + [call_row(account.auth_id, 9, end=today - timedelta(days=20))],
                messages=[message_row(account.auth_id, index, when=today - timedelta(days=1)) for index in range(4)])
    page = console.get("/").text
    table = page.split('id="activity-table"')[1]
    assert f"<td>{today.date().isoformat()}</td><td>3</td><td>0</td>" in table
    assert f"<td>{(today - timedelta(days=1)).date().isoformat()}</td><td>0</td><td>4</td>" in table
    assert table.count("<tr><td>") == 14 and 'role="img"' in page
    assert f"{today.date().isoformat()}: 3 calls" in page  # each bar's title


def test_a_subaccount_sees_only_its_own_logs(server: LiveServer, account: MainAccount,
                                            sub_console: tuple[ConsoleUser, str], console: ConsoleUser) -> None:
    user, sub_id = sub_console
    other = subaccount(server, account, "Other office")
    mine, main_call, theirs = (call_row(account.auth_id, 1, sub=sub_id), call_row(account.auth_id, 2),
                               call_row(account.auth_id, 3, sub=other["auth_id"]))
    my_message, their_message = message_row(account.auth_id, 1, sub=sub_id), message_row(account.auth_id, 2)
    insert_rows(server, calls=[mine, main_call, theirs], messages=[my_message, their_message])
    assert links(user.get("/logs/calls").text, "/logs/calls") == [mine["call_uuid"]]
    assert user.get(f"/logs/calls/{mine['call_uuid']}").status_code == 200
    assert user.get(f"/logs/calls/{main_call['call_uuid']}").status_code == 404
    assert user.get(f"/logs/calls/{theirs['call_uuid']}").status_code == 404
    assert user.get(f"/logs/messages/{their_message['message_uuid']}").status_code == 404
    assert links(user.get("/logs/messages").text, "/logs/messages") == [my_message["message_uuid"]]
    assert [row["call_uuid"] for row in csv_rows(user.get("/logs/calls.csv").text)] == [mine["call_uuid"]]
    assert user.get("/logs/calls", params={"subaccount": other["auth_id"]}).status_code == 400
    assert len(links(console.get("/logs/calls").text, "/logs/calls")) == 3  # the main account sees all three


# --- a real call on the simulator -------------------------------------------------------------------

ANSWER = ('<Response><Speak>Welcome &amp; hello</Speak><!-- <script>alert(1)</script> -->'
          '<Record maxLength="2" playBeep="false" fileFormat="wav"/></Response>')


@pytest.fixture
def voice_console(voice_server: LiveServer, voice_account: MainAccount) -> Iterator[ConsoleUser]:  # noqa: F811
    user = ConsoleUser(voice_server)
    assert user.sign_in(voice_account.auth_id, voice_account.auth_token).status_code == 303
    yield user
    user.close()


def test_a_call_page_shows_its_timeline_and_plays_its_recording(voice_server: LiveServer, voice_account: MainAccount,  # noqa: F811
                                                                 sim: Sim, customer: CustomerApp,  # noqa: F811
                                                                 voice_console: ConsoleUser) -> None:
    customer.route("/answer", ANSWER)
    customer.route("/hangup", "")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    sim.phone("14155557001", [])
    call_uuid = sim.call("14155557001", number, [{"say": "leave a message"}, {"wait": 6}])
    ended = sim.record(call_uuid)
    customer.wait_for("/hangup")
    flush(voice_server)
    page = voice_console.get(f"/logs/calls/{call_uuid}")
    assert page.status_code == 200 and ended["call_uuid"] in page.text
    timeline = page.text.split("<h2>Timeline</h2>")[1]
    answer_at, hangup_at = timeline.index(customer.url("/answer")), timeline.index(customer.url("/hangup"))
    assert answer_at < hangup_at
    answer_entry = timeline[answer_at:hangup_at]
    assert f'<th scope="row">CallUUID</th><td>{call_uuid}</td>' in answer_entry
    assert '<th scope="row">From</th><td>14155557001</td>' in answer_entry
    assert "<strong>200</strong>" in answer_entry
    body = re.search(r'<pre class="body">([^<]*)</pre>', answer_entry)
    assert body and html.unescape(body.group(1)) == ANSWER and SCRIPT not in page.text  # shown as text

    recording = re.search(r'/logs/recordings/([0-9a-f-]{36})/audio"', page.text)
    assert recording, "the call's recording is on its page"
    rec_id = recording.group(1)
    played = voice_console.get(f"/logs/recordings/{rec_id}/audio")
    assert played.status_code == 200 and played.headers["content-type"] == "audio/wav"
    assert played.content.startswith(b"RIFF") and "inline" in played.headers["content-disposition"]
    saved = voice_console.get(f"/logs/recordings/{rec_id}/audio", params={"download": "1"})
    assert saved.content == played.content and "attachment" in saved.headers["content-disposition"]

    listed = voice_console.get("/logs/recordings", params={"call_uuid": call_uuid})
    assert rec_id in listed.text and "1–1 of 1" in listed.text
    assert csv_rows(voice_console.get("/logs/recordings.csv", params={"call_uuid": call_uuid}).text)[0]["recording_id"] == rec_id
    others = [voice_server.new_main_account(), subaccount(voice_server, voice_account, "Night shift")]
    for other in others:  # another account, and a subaccount of this one: neither sees the call or its recording
        stranger = ConsoleUser(voice_server)
        try:
            assert stranger.sign_in(other.auth_id if isinstance(other, MainAccount) else other["auth_id"],
                                    other.auth_token if isinstance(other, MainAccount) else other["auth_token"]).status_code == 303
            assert stranger.get(f"/logs/calls/{call_uuid}").status_code == 404
            assert stranger.get(f"/logs/recordings/{rec_id}/audio").status_code == 404
            assert stranger.get(f"/logs/recordings/{rec_id}/delete").status_code == 404
            assert stranger.post(f"/logs/recordings/{rec_id}/delete", {}).status_code == 404
            assert rec_id not in stranger.get("/logs/recordings").text
        finally:
            stranger.close()

    confirm = voice_console.get(f"/logs/recordings/{rec_id}/delete")
    assert confirm.status_code == 200 and "Delete Recording" in confirm.text
    assert voice_console.post(f"/logs/recordings/{rec_id}/delete", {}, token=False).status_code == 403
    assert voice_console.get(f"/logs/recordings/{rec_id}/audio").status_code == 200
    deleted = voice_console.post(f"/logs/recordings/{rec_id}/delete", {})
    assert deleted.status_code == 303
    assert voice_console.get(f"/logs/recordings/{rec_id}/audio").status_code == 404
    with voice_server.http(voice_account) as api:
        assert api.get(f"/v1/Account/{voice_account.auth_id}/Recording/{rec_id}/").status_code == 404
