"""Sub Accounts: the pages against the REST API, errors beside the field, escaping, CSRF, the
cascade choice, and isolation (a subaccount's session gets 403; another main account's
subaccounts are not found)."""

import re
from typing import Any

import httpx

from tests.console.helpers import ConsoleUser, field_error
from tests.helpers import LiveServer, MainAccount

PAGE = "/subaccounts"


def _subs(api: httpx.Client, auth_id: str) -> list[dict[str, Any]]:
    return api.get(f"/v1/Account/{auth_id}/Subaccount/").json()["objects"]


def _make(api: httpx.Client, auth_id: str, name: str, enabled: bool = True) -> dict[str, Any]:
    return api.post(f"/v1/Account/{auth_id}/Subaccount/", json={"name": name, "enabled": enabled}).json()


def test_create_edit_delete_round_trip_through_the_api(server: LiveServer, account: MainAccount,
                                                      console: ConsoleUser) -> None:
    new = console.get(f"{PAGE}/new").text
    assert '<label for="name">Name</label>' in new and "> Enabled</label>" in new
    created = console.post(f"{PAGE}/new", {"name": "Field office", "enabled": "true"})
    assert created.status_code == 303 and created.headers["location"] == PAGE
    with server.http(account) as api:
        [sub] = _subs(api, account.auth_id)
        assert (sub["name"], sub["enabled"]) == ("Field office", True)
        listing = console.get(PAGE).text
        assert f'href="{PAGE}/{sub["auth_id"]}">Field office</a>' in listing
        assert f'<code id="id-{sub["auth_id"]}">{sub["auth_id"]}</code>' in listing
        # the Auth Token is on the page, hidden until revealed (as the Overview's)
        assert re.search(rf'id="token-{sub["auth_id"]}" class="secret" type="password" readonly value="{sub["auth_token"]}"',
                         listing)
        assert f'data-reveal="token-{sub["auth_id"]}"' in listing and '<td class="enabled">Yes</td>' in listing
        edit = console.get(f"{PAGE}/{sub['auth_id']}").text
        assert 'value="Field office"' in edit and 'type="password" readonly value="' + sub["auth_token"] in edit

        changed = console.post(f"{PAGE}/{sub['auth_id']}", {"name": "Field office 2"})  # Enabled unticked
        assert changed.status_code == 303
        after = api.get(f"/v1/Account/{account.auth_id}/Subaccount/{sub['auth_id']}/").json()
        assert (after["name"], after["enabled"]) == ("Field office 2", False)
        assert '<td class="enabled">No</td>' in console.get(PAGE).text
        # disabled through the page: its credentials are refused at once (the cache was told)
        assert httpx.get(f"{server.base_url}/v1/Account/{sub['auth_id']}/",
                         auth=(sub["auth_id"], sub["auth_token"])).status_code == 401

        assert console.post(f"{PAGE}/{sub['auth_id']}/delete", {}).status_code == 303
        assert api.get(f"/v1/Account/{account.auth_id}/Subaccount/{sub['auth_id']}/").status_code == 404
        assert console.get(f"{PAGE}/{sub['auth_id']}").status_code == 404


def test_delete_with_or_without_cascade(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    base = f"/v1/Account/{account.auth_id}"
    with server.http(account) as api:
        kept, gone = _make(api, account.auth_id, "moves"), _make(api, account.auth_id, "cascades")
        moved_app = api.post(f"{base}/Application/", json={"app_name": "kept app", "subaccount": kept["auth_id"]}).json()
        gone_app = api.post(f"{base}/Application/", json={"app_name": "gone app", "subaccount": gone["auth_id"]}).json()
        console.get(f"{PAGE}/{kept['auth_id']}")
        assert console.post(f"{PAGE}/{kept['auth_id']}/delete", {}).status_code == 303
        assert console.post(f"{PAGE}/{gone['auth_id']}/delete", {"cascade": "true"}).status_code == 303
        assert _subs(api, account.auth_id) == []
        moved = api.get(f"{base}/Application/{moved_app['app_id']}/")
        assert moved.status_code == 200 and moved.json()["sub_account"] is None  # now the main account's
        assert api.get(f"{base}/Application/{gone_app['app_id']}/").status_code == 404


def test_errors_are_shown_beside_the_field_with_the_api_text(server: LiveServer, account: MainAccount,
                                                             console: ConsoleUser) -> None:
    with server.http(account) as api:
        expected = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "  "}).json()["error"]
        too_long = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "x" * 256}).json()["error"]
        sub = _make(api, account.auth_id, "branch")
        console.get(f"{PAGE}/new")
        page = console.post(f"{PAGE}/new", {"name": "  ", "enabled": "true"})
        assert page.status_code == 400 and field_error(page.text, "name") == expected
        assert 'aria-describedby="name-error"' in page.text
        long_page = console.post(f"{PAGE}/new", {"name": "x" * 256})
        assert field_error(long_page.text, "name") == too_long and 'value="' + "x" * 256 + '"' in long_page.text
        edit = console.post(f"{PAGE}/{sub['auth_id']}", {"name": "", "enabled": "true"})
        assert edit.status_code == 400 and field_error(edit.text, "name") == expected
        assert [s["name"] for s in _subs(api, account.auth_id)] == ["branch"]


def test_a_script_in_a_subaccount_name_stays_text(server: LiveServer, account: MainAccount,
                                                 console: ConsoleUser) -> None:
    name = '<script>alert("x")</script>'
    with server.http(account) as api:
        sub = _make(api, account.auth_id, name)
    for path in (PAGE, f"{PAGE}/{sub['auth_id']}"):
        html = console.get(path).text
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_forms_without_the_csrf_token_are_refused_and_change_nothing(server: LiveServer, account: MainAccount,
                                                                    console: ConsoleUser) -> None:
    with server.http(account) as api:
        sub = _make(api, account.auth_id, "kept")
        console.get(PAGE)
        assert console.post(f"{PAGE}/new", {"name": "new", "enabled": "true"}, token=False).status_code == 403
        assert console.post(f"{PAGE}/{sub['auth_id']}", {"name": "changed"}, token=False).status_code == 403
        assert console.post(f"{PAGE}/{sub['auth_id']}/delete", {"cascade": "true"}, token=False).status_code == 403
        assert console.http.post(f"{PAGE}/new", data={"name": "forged", "csrftoken": "forged"}).status_code == 403
        assert [(s["name"], s["enabled"]) for s in _subs(api, account.auth_id)] == [("kept", True)]


def test_a_subaccount_session_gets_403_on_every_page_and_action(server: LiveServer, account: MainAccount,
                                                              anonymous: ConsoleUser) -> None:
    with server.http(account) as api:
        sub = _make(api, account.auth_id, "branch")
        sibling = _make(api, account.auth_id, "sibling")
        assert anonymous.sign_in(sub["auth_id"], sub["auth_token"]).status_code == 303
        message = f"only a main account manages subaccounts; {sub['auth_id']} is a subaccount"
        for path in (PAGE, f"{PAGE}/new", f"{PAGE}/{sibling['auth_id']}", f"{PAGE}/{sub['auth_id']}"):
            page = anonymous.get(path)
            assert page.status_code == 403 and message in page.text, path
            assert sibling["auth_token"] not in page.text
        overview = anonymous.get("/").text  # a page with a form: the CSRF token
        for main_only in ('href="/subaccounts"', 'href="/carriers"', 'href="/payments/invoices"'):
            assert main_only not in overview  # the navigation leaves out what a subaccount may not open
        assert 'href="/voice/applications"' in overview
        for path, form in ((f"{PAGE}/new", {"name": "made by branch", "enabled": "true"}),
                           (f"{PAGE}/{sibling['auth_id']}", {"name": "renamed"}),
                           (f"{PAGE}/{sibling['auth_id']}/delete", {"cascade": "true"}),
                           (f"{PAGE}/{sub['auth_id']}/delete", {})):
            assert anonymous.post(path, form).status_code == 403, path
        assert sorted((s["name"], s["enabled"]) for s in _subs(api, account.auth_id)) == [
            ("branch", True), ("sibling", True)]


def test_another_main_accounts_subaccounts_are_not_found(server: LiveServer, account: MainAccount,
                                                        console: ConsoleUser) -> None:
    other = server.new_main_account()
    with server.http(other) as api:
        theirs = _make(api, other.auth_id, "theirs")
        console.get(PAGE)
        assert "theirs" not in console.get(PAGE).text and theirs["auth_token"] not in console.get(PAGE).text
        assert console.get(f"{PAGE}/{theirs['auth_id']}").status_code == 404
        assert console.post(f"{PAGE}/{theirs['auth_id']}", {"name": "mine now"}).status_code == 404
        assert console.post(f"{PAGE}/{theirs['auth_id']}/delete", {"cascade": "true"}).status_code == 404
        assert [(s["name"], s["enabled"]) for s in _subs(api, other.auth_id)] == [("theirs", True)]


def test_the_list_pages_by_twenty(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    with server.http(account) as api:
        for number in range(23):
            _make(api, account.auth_id, f"office-{number:02}")
    first = console.get(PAGE).text
    assert "1–20 of 23" in first and len(re.findall(rf'href="{PAGE}/SA\w+"', first)) == 20
    assert f'href="{PAGE}?limit=20&amp;offset=20"' in first and "office-22" in first  # newest first, as the API
    second = console.get(PAGE, params={"limit": 20, "offset": 20}).text
    assert "21–23 of 23" in second and len(re.findall(rf'href="{PAGE}/SA\w+"', second)) == 3 and "office-00" in second
    assert console.get(PAGE, params={"limit": 50}).status_code == 400
