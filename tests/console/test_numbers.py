"""Phone Numbers > Buy Numbers and Your Numbers: the search, buying, a number's settings and
release against the REST API; errors beside fields; CSRF; subaccounts; escaping."""

import re
from typing import Any

import httpx

from switchboard.accounts.service import create_main_account
from tests.billing.conftest import Books
from tests.console.helpers import ConsoleUser, field_error
from tests.helpers import LiveServer, MainAccount

BUY = "/numbers/buy"
YOURS = "/numbers"


def _search(api: httpx.Client, auth_id: str, **params: Any) -> dict[str, Any]:
    return api.get(f"/v1/Account/{auth_id}/PhoneNumber/", params=params).json()


def _buy(api: httpx.Client, auth_id: str, **params: Any) -> str:
    number = _search(api, auth_id, limit=1, **params)["objects"][0]["number"]
    assert api.post(f"/v1/Account/{auth_id}/PhoneNumber/{number}/", json={}).status_code == 201
    return number


def _shown_numbers(page: str) -> list[str]:
    return re.findall(r'<code>\+(\d+)</code>', page)


def _signed_in(server: LiveServer, auth_id: str, auth_token: str) -> ConsoleUser:
    user = ConsoleUser(server)
    assert user.sign_in(auth_id, auth_token).status_code == 303
    return user


def test_search_shows_what_the_api_finds_and_buy_rents_the_number(server: LiveServer, account: MainAccount,
                                                                   console: ConsoleUser) -> None:
    query = {"country_iso": "US", "type": "local", "region": "new york", "services": "voice,sms"}
    page = console.get(BUY, params={**query, "services": ["voice", "sms"]})
    assert page.status_code == 200
    with server.http(account) as api:
        found = _search(api, account.auth_id, **query)
        shown = _shown_numbers(page.text)
        assert shown == [n["number"] for n in found["objects"]] and len(shown) == 20
        first = found["objects"][0]
        assert f"${first['monthly_rental_rate']}" in page.text and f"${first['setup_rate']}" in page.text
        assert f"1–20 of {found['meta']['total_count']}" in page.text
        assert "services=voice%2Csms" in page.text and "region=new+york" in page.text  # the pager keeps the filters
        second = console.get(BUY, params={**query, "offset": 20}).text
        assert _shown_numbers(second)[0] == _search(api, account.auth_id, **query, offset=20)["objects"][0]["number"]

        bought = console.post(f"{BUY}/{first['number']}", {})
        assert bought.status_code == 303 and bought.headers["location"] == f"{YOURS}/{first['number']}?bought=1"
        held = api.get(f"/v1/Account/{account.auth_id}/Number/{first['number']}/").json()
        assert (held["number"], held["voice_enabled"], held["sms_enabled"]) == (first["number"], True, True)
        assert first["number"] not in _shown_numbers(console.get(BUY, params=query).text)
        again = console.post(f"{BUY}/{first['number']}?country_iso=US", {})
        assert again.status_code == 409 and "already rented by this account" in again.text


def test_search_errors_are_the_apis_beside_their_field(server: LiveServer, account: MainAccount,
                                                       console: ConsoleUser) -> None:
    with server.http(account) as api:
        for name, value in (("pattern", "12a"), ("country_iso", "ZZ"), ("npanxx", "x1")):
            page = console.get(BUY, params={"country_iso": "US", name: value})
            answer = api.get(f"/v1/Account/{account.auth_id}/PhoneNumber/", params={"country_iso": "US", name: value})
            assert page.status_code == answer.status_code == 400
            assert field_error(page.text, name) == answer.json()["error"], page.text
        page = console.get(BUY, params={"country_iso": "US", "services": "fax"})
        assert page.status_code == 400 and "services: " in (field_error(page.text, "services") or "")
    assert 'value="US" selected' in console.get(BUY).text  # the empty form starts on the US


def test_a_prepaid_account_without_the_credit_is_told_so_and_keeps_nothing(server: LiveServer) -> None:
    async def create(app: Any) -> MainAccount:
        async with app.state.db.session() as session:
            account = await create_main_account(session, app.state.clock, name="Prepaid", billing_mode="prepaid")
        return MainAccount(account.auth_id, account.auth_token)

    holder = server.call(create)
    Books(server).credit(holder.auth_id, "0.10")
    user = _signed_in(server, holder.auth_id, holder.auth_token)
    try:
        query = "country_iso=US&type=local"
        number = _shown_numbers(user.get(f"{BUY}?{query}").text)[0]
        refused = user.post(f"{BUY}/{number}?{query}", {})
        assert refused.status_code == 400
        assert re.search(r'id="buy-error">insufficient credit: renting \d+ costs [0-9.]+ and the balance is 0.10000<',
                         refused.text), refused.text
        assert number in _shown_numbers(refused.text)  # the search is still there
        with server.http(holder) as api:
            assert api.get(f"/v1/Account/{holder.auth_id}/Number/{number}/").status_code == 404
    finally:
        user.close()


def test_a_subaccount_cannot_search_or_buy(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as api:
        sub = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "branch", "enabled": True}).json()
        number = _search(api, account.auth_id, country_iso="US", limit=1)["objects"][0]["number"]
    user = _signed_in(server, sub["auth_id"], sub["auth_token"])
    try:
        page = user.get(BUY, params={"country_iso": "US"})
        assert page.status_code == 200 and "Sub Accounts cannot search for or buy numbers" in page.text
        assert _shown_numbers(page.text) == [] and 'name="pattern"' not in page.text
        refused = user.post(f"{BUY}/{number}", {})
        assert refused.status_code == 403 and "subaccounts cannot buy numbers" in refused.text
        with server.http(account) as api:
            assert api.get(f"/v1/Account/{account.auth_id}/Number/{number}/").status_code == 404
    finally:
        user.close()


def test_a_number_gets_its_application_alias_and_subaccount(server: LiveServer, account: MainAccount,
                                                            console: ConsoleUser) -> None:
    base = f"/v1/Account/{account.auth_id}"
    with server.http(account) as api:
        number = _buy(api, account.auth_id, country_iso="GB", type="mobile")
        app_id = api.post(f"{base}/Application/", json={"app_name": "Hotline"}).json()["app_id"]
        sub = api.post(f"{base}/Subaccount/", json={"name": "branch", "enabled": True}).json()["auth_id"]
        page = console.get(f"{YOURS}/{number}")
        assert page.status_code == 200
        held = api.get(f"{base}/Number/{number}/").json()
        for value in (held["number_type"], held["country"], held["region"], held["renewal_date"], held["added_on"],
                      f"${held['monthly_rental_rate']}"):
            assert value in page.text
        assert f'<option value="{app_id}" >Hotline ({app_id})</option>' in page.text
        changed = console.post(f"{YOURS}/{number}", {"app_id": app_id, "alias": "Front desk", "subaccount": sub})
        assert changed.status_code == 303
        after = api.get(f"{base}/Number/{number}/").json()
        assert after["application"].endswith(f"/Application/{app_id}/") and after["alias"] == "Front desk"
        assert after["sub_account"] == f"{base}/Subaccount/{sub}/"
        shown = console.get(changed.headers["location"]).text
        assert "The number was updated." in shown and f'<option value="{app_id}" selected>' in shown

        other_sub = api.post(f"{base}/Subaccount/", json={"name": "other", "enabled": True}).json()["auth_id"]
        theirs = api.post(f"{base}/Application/", json={"app_name": "theirs", "subaccount": other_sub}).json()["app_id"]
        bad = console.post(f"{YOURS}/{number}", {"app_id": theirs, "alias": "x", "subaccount": sub})
        answer = api.post(f"{base}/Number/{number}/", json={"app_id": theirs})
        assert bad.status_code == 400 and field_error(bad.text, "app_id") == answer.json()["error"]
        long_alias = console.post(f"{YOURS}/{number}", {"app_id": app_id, "alias": "x" * 300, "subaccount": sub})
        api_alias = api.post(f"{base}/Number/{number}/", json={"alias": "x" * 300})
        assert long_alias.status_code == 400 and field_error(long_alias.text, "alias") == api_alias.json()["error"]
        assert api.get(f"{base}/Number/{number}/").json()["alias"] == "Front desk"

        cleared = console.post(f"{YOURS}/{number}", {"app_id": "", "alias": "", "subaccount": ""})
        assert cleared.status_code == 303
        after = api.get(f"{base}/Number/{number}/").json()
        assert (after["application"], after["sub_account"]) == (None, None)


def test_release_asks_first_and_then_unrents(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    with server.http(account) as api:
        number = _buy(api, account.auth_id, country_iso="US")
        confirm = console.get(f"{YOURS}/{number}/release")
        assert confirm.status_code == 200 and f'action="{YOURS}/{number}/release"' in confirm.text
        assert f"Release +{number}</button>" in confirm.text
        assert api.get(f"/v1/Account/{account.auth_id}/Number/{number}/").status_code == 200  # asking changes nothing
        assert console.post(f"{YOURS}/{number}/release", {}, token=False).status_code == 403
        assert api.get(f"/v1/Account/{account.auth_id}/Number/{number}/").status_code == 200
        released = console.post(f"{YOURS}/{number}/release", {})
        assert released.status_code == 303 and released.headers["location"] == f"{YOURS}?released={number}"
        assert api.get(f"/v1/Account/{account.auth_id}/Number/{number}/").status_code == 404
        assert console.get(f"{YOURS}/{number}").status_code == 404


def test_the_list_filters_as_the_api_and_pages_by_twenty(server: LiveServer, account: MainAccount,
                                                         console: ConsoleUser) -> None:
    base = f"/v1/Account/{account.auth_id}"
    with server.http(account) as api:
        numbers = [n["number"] for n in _search(api, account.auth_id, country_iso="US", type="tollfree")["objects"]]
        numbers.append(_buy(api, account.auth_id, country_iso="GB", type="mobile"))
        for number in numbers[:20]:
            assert api.post(f"{base}/PhoneNumber/{number}/", json={}).status_code == 201
        api.post(f"{base}/Number/{numbers[0]}/", json={"alias": "desk"})
        first = console.get(YOURS).text
        assert "1–20 of 21" in first and len(re.findall(r'href="/numbers/\d+"', first)) == 20
        assert 'href="/numbers?limit=20&amp;offset=20"' in first
        assert len(re.findall(r'href="/numbers/\d+"', console.get(YOURS, params={"offset": 20}).text)) == 1
        for filters in ({"type": "mobile"}, {"alias": "desk"}, {"number_startswith": numbers[1][:6]},
                        {"services": "sms", "type": "tollfree"}):
            page = console.get(YOURS, params=filters).text
            listed = api.get(f"{base}/Number/", params=filters).json()["objects"]
            assert re.findall(r'href="/numbers/(\d+)"', page) == [n["number"] for n in listed], filters
        bad = console.get(YOURS, params={"number_startswith": "abc"})
        answer = api.get(f"{base}/Number/", params={"number_startswith": "abc"})
        assert bad.status_code == 400 and field_error(bad.text, "number_startswith") == answer.json()["error"]


def test_a_subaccount_sees_and_changes_only_its_own_numbers(server: LiveServer, account: MainAccount) -> None:
    base = f"/v1/Account/{account.auth_id}"
    with server.http(account) as api:
        sub = api.post(f"{base}/Subaccount/", json={"name": "branch", "enabled": True}).json()
        sibling = api.post(f"{base}/Subaccount/", json={"name": "sibling", "enabled": True}).json()
        own, mains, siblings = (_buy(api, account.auth_id, country_iso="US") for _ in range(3))
        api.post(f"{base}/Number/{own}/", json={"subaccount": sub["auth_id"]})
        api.post(f"{base}/Number/{siblings}/", json={"subaccount": sibling["auth_id"], "alias": "sibling's"})
        other = server.new_main_account()
        with server.http(other) as their_api:
            strangers = _buy(their_api, other.auth_id, country_iso="US")
    user = _signed_in(server, sub["auth_id"], sub["auth_token"])
    try:
        listing = user.get(YOURS).text
        assert re.findall(r'href="/numbers/(\d+)"', listing) == [own] and 'name="subaccount"' not in listing
        for number in (mains, siblings, strangers):
            assert user.get(f"{YOURS}/{number}").status_code == 404
            assert user.post(f"{YOURS}/{number}", {"alias": "mine"}).status_code == 404
            assert user.get(f"{YOURS}/{number}/release").status_code == 404
            assert user.post(f"{YOURS}/{number}/release", {}).status_code == 404
        assert user.get(YOURS, params={"subaccount": sibling["auth_id"]}).status_code == 400
        page = user.get(f"{YOURS}/{own}").text
        assert 'name="subaccount"' not in page and 'name="app_id"' in page
        assert user.post(f"{YOURS}/{own}", {"alias": "ours", "app_id": ""}).status_code == 303
        with server.http(account) as api:
            assert api.get(f"{base}/Number/{own}/").json()["alias"] == "ours"
            assert api.get(f"{base}/Number/{siblings}/").json()["alias"] == "sibling's"
            assert api.get(f"{base}/Number/{mains}/").status_code == 200
    finally:
        user.close()


def test_a_script_in_an_alias_stays_text_and_forms_need_the_token(server: LiveServer, account: MainAccount,
                                                                  console: ConsoleUser) -> None:
    alias = '<script>alert("x")</script>'
    base = f"/v1/Account/{account.auth_id}"
    with server.http(account) as api:
        number = _buy(api, account.auth_id, country_iso="US")
        api.post(f"{base}/Number/{number}/", json={"alias": alias})
        for path in (YOURS, f"{YOURS}/{number}", f"{YOURS}/{number}/release"):
            page = console.get(path).text
            assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, path
        assert console.post(f"{YOURS}/{number}", {"alias": "changed", "app_id": ""}, token=False).status_code == 403
        found = _search(api, account.auth_id, country_iso="US", limit=1)["objects"][0]["number"]
        assert console.post(f"{BUY}/{found}", {}, token=False).status_code == 403
        assert api.get(f"{base}/Number/{number}/").json()["alias"] == alias
        assert api.get(f"{base}/Number/{found}/").status_code == 404
