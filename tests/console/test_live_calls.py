"""Voice > Live Calls: a real call on the simulated network is listed (and in the polled fragment),
transferred and hung up from the page through the services of ``POST``/``DELETE Call/{uuid}/``;
the call record's hangup cause and source are those of the API's hang-up. A call that ended, a
form without the CSRF token and another account's session are refused on the page, never a 500."""

from collections.abc import Iterator

import pytest

from tests.console.helpers import ConsoleUser, field_error, signed_in
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.conftest import Sim, customer, sdk, sim, still_clock, voice_account, voice_server  # noqa: F401 (fixtures)
from tests.voice.customer_app import CustomerApp
from tests.voice.test_live import hold

CALLER = "14155550399"


@pytest.fixture
def page(voice_server: LiveServer, voice_account: MainAccount) -> Iterator[ConsoleUser]:
    user = signed_in(voice_server, voice_account.auth_id, voice_account.auth_token)
    yield user
    user.close()


def answered_call(sdk: RecordingClient, sim: Sim, customer: CustomerApp, phone: str) -> str:
    sim.phone(phone, [{"ring": 0}])
    uuid = sdk.calls.create(from_=CALLER, to_=phone, answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/answer", count=len(customer.requests_to("/answer")) + 1)
    return uuid


def test_hang_up_and_transfer_a_live_call_from_the_page(voice_server: LiveServer, voice_account: MainAccount, sdk,
                                                         sim: Sim, customer: CustomerApp, still_clock: None,
                                                         page: ConsoleUser) -> None:
    customer.route("/answer", hold())
    customer.route("/hangup", "")
    customer.route("/transfer", '<Response><Wait length="120"/></Response>')
    uuid = answered_call(sdk, sim, customer, "14155550301")

    listed = page.get("/voice/calls")
    assert listed.status_code == 200 and f'id="call-{uuid}"' in listed.text and "in-progress" in listed.text
    assert 'hx-get="/voice/calls/live" hx-trigger="every 2s"' in listed.text
    assert f'id="call-{uuid}"' in page.get("/voice/calls/live").text

    form = page.get(f"/voice/calls/{uuid}")
    assert form.status_code == 200 and "Transfer Call" in form.text
    missing = page.post(f"/voice/calls/{uuid}", {"legs": "aleg", "aleg_url": "", "aleg_method": "POST"})
    assert missing.status_code == 400 and field_error(missing.text, "aleg_url") == "aleg_url is required when legs is aleg"
    not_bridged = page.post(f"/voice/calls/{uuid}", {"legs": "bleg", "bleg_url": customer.url("/transfer")})
    assert not_bridged.status_code == 400
    assert field_error(not_bridged.text, "legs") == f"legs: call {uuid} has no B-leg (it is not bridged by <Dial>)"
    bad_url = page.post(f"/voice/calls/{uuid}", {"legs": "aleg", "aleg_url": "not a url"})
    assert bad_url.status_code == 400 and field_error(bad_url.text, "aleg_url")
    moved = page.post(f"/voice/calls/{uuid}", {"legs": "aleg", "aleg_url": customer.url("/transfer"), "aleg_method": "GET"})
    assert moved.status_code == 303 and moved.headers["location"] == f"/voice/calls?transferred={uuid}"
    hit = customer.wait_for("/transfer")[0]
    assert hit.params["CallUUID"] == uuid and hit.method == "GET"

    assert page.post(f"/voice/calls/{uuid}/hangup", {}, token=False).status_code == 403
    assert sim.http.get(f"/v1/Account/{voice_account.auth_id}/Call/{uuid}/", params={"status": "live"}).status_code == 200
    ended = page.post(f"/voice/calls/{uuid}/hangup", {})
    assert ended.status_code == 303 and ended.headers["location"] == f"/voice/calls?hungup={uuid}"
    from_page = sim.record(uuid)

    by_api = answered_call(sdk, sim, customer, "14155550302")
    assert sim.http.delete(f"/v1/Account/{voice_account.auth_id}/Call/{by_api}/").status_code == 204
    from_api = sim.record(by_api)
    keys = ("hangup_cause_code", "hangup_cause_name", "hangup_source")
    assert [from_page[key] for key in keys] == [from_api[key] for key in keys] == [4000, "Normal Hangup", "API Request"]

    again = page.post(f"/voice/calls/{uuid}/hangup", {})
    assert again.status_code == 404 and f"call {uuid} is not in progress" in again.text and 'role="alert"' in again.text
    late = page.post(f"/voice/calls/{uuid}", {"legs": "aleg", "aleg_url": customer.url("/transfer")})
    assert late.status_code == 404 and "is no longer live" in late.text
    assert page.get(f"/voice/calls/{uuid}").status_code == 404
    assert f'id="call-{uuid}"' not in page.get("/voice/calls/live").text


def test_another_accounts_session_cannot_see_or_end_the_call(voice_server: LiveServer, voice_account: MainAccount, sdk,
                                                              sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    customer.route("/answer", hold())
    customer.route("/hangup", "")
    uuid = answered_call(sdk, sim, customer, "14155550303")
    with voice_server.http(voice_account) as api:
        sub = api.post(f"/v1/Account/{voice_account.auth_id}/Subaccount/", json={"name": "Desk", "enabled": True}).json()
    stranger = voice_server.new_main_account()
    try:
        for auth_id, auth_token in ((stranger.auth_id, stranger.auth_token), (sub["auth_id"], sub["auth_token"])):
            other = ConsoleUser(voice_server)
            try:
                assert other.sign_in(auth_id, auth_token).status_code == 303
                assert uuid not in other.get("/voice/calls").text and uuid not in other.get("/voice/calls/live").text
                assert other.get(f"/voice/calls/{uuid}").status_code == 404
                assert other.post(f"/voice/calls/{uuid}/hangup", {}).status_code == 404
                refused = other.post(f"/voice/calls/{uuid}", {"legs": "aleg", "aleg_url": customer.url("/answer")})
                assert refused.status_code == 404
            finally:
                other.close()
        live = sim.http.get(f"/v1/Account/{voice_account.auth_id}/Call/{uuid}/", params={"status": "live"})
        assert live.status_code == 200
    finally:
        sim.http.delete(f"/v1/Account/{voice_account.auth_id}/Call/{uuid}/")
