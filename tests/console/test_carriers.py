"""Carriers: incoming and outgoing carriers against the REST API; the API's messages beside the
fields; CSRF; another account's carriers are not found and a subaccount is refused."""

from typing import Any

import pytest

from tests.console.helpers import ConsoleUser, field_error
from tests.helpers import LiveServer, MainAccount

INCOMING = {"name": "trunk-a", "ip_set": "192.0.2.10, 198.51.100.0/24", "voice": "true", "enabled": "true"}
OUTGOING = {"name": "out-a", "address": "sip.example.org:5080", "ips": "203.0.113.5", "prefix": "00",
            "suffix": "#", "failover_address": "backup.example.org", "failover_prefix": "11", "retries": "2",
            "retry_seconds": "30", "inband_dtmf": "true"}


def _carriers(server: LiveServer, account: MainAccount, resource: str) -> list[dict[str, Any]]:
    with server.http(account) as api:
        return api.get(f"/v1/Account/{account.auth_id}/{resource}/").json()["objects"]


def test_incoming_carriers_round_trip_through_the_api(server: LiveServer, account: MainAccount,
                                                      console: ConsoleUser) -> None:
    form = console.get("/carriers/incoming/new").text
    for label in ("Name", "IP Set", "Enabled"):
        assert f">{label}</label>" in form or f"> {label}</label>" in form
    created = console.post("/carriers/incoming/new", INCOMING)
    assert created.status_code == 303 and created.headers["location"] == "/carriers"
    [carrier] = _carriers(server, account, "IncomingCarrier")
    assert {k: carrier[k] for k in ("name", "ip_set", "voice", "sms", "enabled", "inband_dtmf")} == {
        "name": "trunk-a", "ip_set": "192.0.2.10,198.51.100.0/24", "voice": True, "sms": False, "enabled": True,
        "inband_dtmf": False}
    listing = console.get("/carriers").text
    assert f'href="/carriers/incoming/{carrier["carrier_id"]}">trunk-a</a>' in listing
    assert "<code>198.51.100.0/24</code>" in listing
    edit = console.get(f"/carriers/incoming/{carrier['carrier_id']}").text
    assert 'value="192.0.2.10,198.51.100.0/24"' in edit
    changed = console.post(f"/carriers/incoming/{carrier['carrier_id']}", {"name": "trunk-b", "ip_set": "192.0.2.99",
                                                                          "sms": "true"})
    assert changed.status_code == 303
    [after] = _carriers(server, account, "IncomingCarrier")
    assert (after["name"], after["ip_set"], after["voice"], after["sms"], after["enabled"]) == (
        "trunk-b", "192.0.2.99", False, True, False)
    assert console.post(f"/carriers/incoming/{carrier['carrier_id']}/delete", {}).status_code == 303
    assert _carriers(server, account, "IncomingCarrier") == []


def test_outgoing_carriers_round_trip_through_the_api(server: LiveServer, account: MainAccount,
                                                      console: ConsoleUser) -> None:
    console.get("/carriers/outgoing/new")
    created = console.post("/carriers/outgoing/new", OUTGOING)
    assert created.status_code == 303 and created.headers["location"] == "/carriers/outgoing"
    [carrier] = _carriers(server, account, "OutgoingCarrier")
    assert {k: carrier[k] for k in OUTGOING} == {**OUTGOING, "retries": 2, "retry_seconds": 30, "inband_dtmf": True}
    listing = console.get("/carriers/outgoing").text
    assert "sip.example.org:5080" in listing and "<code>00</code>" in listing
    changed = console.post(f"/carriers/outgoing/{carrier['carrier_id']}", {**{k: v for k, v in OUTGOING.items() if k != "inband_dtmf"}, "prefix": "", "retries": "0"})
    assert changed.status_code == 303
    [after] = _carriers(server, account, "OutgoingCarrier")
    assert (after["prefix"], after["retries"], after["inband_dtmf"]) == ("", 0, False)
    deleted = console.post(f"/carriers/outgoing/{carrier['carrier_id']}/delete", {})
    assert deleted.headers["location"] == "/carriers/outgoing?deleted=out-a"
    assert _carriers(server, account, "OutgoingCarrier") == []


@pytest.mark.parametrize(("resource", "kind", "form", "field", "value"), [
    ("IncomingCarrier", "incoming", INCOMING, "ip_set", "192.0.2.300"),
    ("IncomingCarrier", "incoming", INCOMING, "name", "bad name!"),
    ("OutgoingCarrier", "outgoing", OUTGOING, "address", "sip.example.org:99999"),
    ("OutgoingCarrier", "outgoing", OUTGOING, "prefix", "0a"),
    ("OutgoingCarrier", "outgoing", OUTGOING, "retries", "11"),
])
def test_errors_are_the_apis_beside_their_field(server: LiveServer, account: MainAccount, console: ConsoleUser,
                                                resource: str, kind: str, form: dict[str, str], field: str,
                                                value: str) -> None:
    console.get(f"/carriers/{kind}/new")
    page = console.post(f"/carriers/{kind}/new", {**form, field: value})
    with server.http(account) as api:
        answer = api.post(f"/v1/Account/{account.auth_id}/{resource}/", data={**form, field: value})
    assert page.status_code == answer.status_code == 400
    assert field_error(page.text, field) == answer.json()["error"]
    assert f'value="{value}"' in page.text.replace("&#39;", "'")  # what was typed stays in the form
    assert _carriers(server, account, resource) == []


def test_csrf_other_accounts_and_subaccounts(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    other = server.new_main_account()
    with server.http(other) as api:
        theirs = api.post(f"/v1/Account/{other.auth_id}/IncomingCarrier/", json={"name": "theirs", "ip_set": "192.0.2.1"}
                          ).json()["carrier_id"]
    console.get("/carriers")
    assert console.post("/carriers/incoming/new", INCOMING, token=False).status_code == 403
    assert _carriers(server, account, "IncomingCarrier") == []
    assert console.get(f"/carriers/incoming/{theirs}").status_code == 404
    assert console.post(f"/carriers/incoming/{theirs}", {**INCOMING, "name": "mine"}).status_code == 404
    assert console.post(f"/carriers/incoming/{theirs}/delete", {}).status_code == 404
    assert console.get(f"/carriers/outgoing/{theirs}").status_code == 404
    assert console.get("/carriers/sideways").status_code == 404
    assert [c["name"] for c in _carriers(server, other, "IncomingCarrier")] == ["theirs"]

    with server.http(account) as api:
        sub = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "branch", "enabled": True}).json()
        mine = api.post(f"/v1/Account/{account.auth_id}/OutgoingCarrier/", json=OUTGOING).json()["carrier_id"]
    user = ConsoleUser(server)
    try:
        assert user.sign_in(sub["auth_id"], sub["auth_token"]).status_code == 303
        for path in ("/carriers", "/carriers/outgoing", "/carriers/incoming/new", f"/carriers/outgoing/{mine}"):
            page = user.get(path)
            assert page.status_code == 403 and "carriers belong to the main account" in page.text, path
        assert user.post("/carriers/incoming/new", INCOMING).status_code == 403
        assert user.post(f"/carriers/outgoing/{mine}/delete", {}).status_code == 403
    finally:
        user.close()
    assert [c["name"] for c in _carriers(server, account, "OutgoingCarrier")] == ["out-a"]


def test_a_script_in_a_carrier_address_stays_text(server: LiveServer, account: MainAccount,
                                                  console: ConsoleUser) -> None:
    console.get("/carriers/outgoing/new")
    page = console.post("/carriers/outgoing/new", {**OUTGOING, "address": "<script>alert(1)</script>"})
    assert page.status_code == 400 and "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
