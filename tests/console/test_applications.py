"""Voice > XML Applications: the form against the REST API, escaping, CSRF and account isolation."""

import re
from typing import Any

import httpx

from tests.console.helpers import ConsoleUser, field_error
from tests.helpers import LiveServer, MainAccount

PAGE = "/voice/applications"

FORM = {
    "app_name": "Hotline", "answer_url": "https://example.org/answer", "answer_method": "GET",
    "fallback_answer_url": "https://example.org/fallback", "fallback_method": "POST",
    "hangup_url": "https://example.org/hangup", "hangup_method": "GET",
    "message_url": "https://example.org/sms", "message_method": "POST",
    "default_number_app": "true", "public_uri": "true", "subaccount": "",
}  # unticked boxes are absent, as a browser sends them: default_endpoint_app, log_incoming_messages


def _api(server: LiveServer, account: MainAccount) -> httpx.Client:
    return server.http(account)


def _apps(api: httpx.Client, auth_id: str) -> list[dict[str, Any]]:
    return api.get(f"/v1/Account/{auth_id}/Application/").json()["objects"]


def test_create_edit_delete_round_trip_through_the_api(server: LiveServer, account: MainAccount,
                                                      console: ConsoleUser) -> None:
    assert console.get(f"{PAGE}/new").status_code == 200
    created = console.post(f"{PAGE}/new", FORM)
    assert created.status_code == 303 and created.headers["location"] == PAGE
    with _api(server, account) as api:
        [app] = _apps(api, account.auth_id)
        assert {k: app[k] for k in ("app_name", "answer_url", "answer_method", "fallback_answer_url", "hangup_method",
                                    "message_url", "default_app", "default_endpoint_app", "public_uri",
                                    "log_incoming_messages", "sub_account")} == {
            "app_name": "Hotline", "answer_url": "https://example.org/answer", "answer_method": "GET",
            "fallback_answer_url": "https://example.org/fallback", "hangup_method": "GET",
            "message_url": "https://example.org/sms", "default_app": True, "default_endpoint_app": False,
            "public_uri": True, "log_incoming_messages": False, "sub_account": None,
        }
        listing = console.get(PAGE)
        assert f'href="{PAGE}/{app["app_id"]}">Hotline</a>' in listing.text
        edit = console.get(f"{PAGE}/{app['app_id']}")
        assert 'value="https://example.org/answer"' in edit.text and f"sip:{app['app_id']}@" in edit.text

        changed = console.post(f"{PAGE}/{app['app_id']}", {**FORM, "app_name": "Hotline 2", "hangup_url": "",
                                                          "log_incoming_messages": "true"})
        assert changed.status_code == 303
        after = api.get(f"/v1/Account/{account.auth_id}/Application/{app['app_id']}/").json()
        assert (after["app_name"], after["hangup_url"], after["log_incoming_messages"]) == ("Hotline 2", "", True)

        assert console.post(f"{PAGE}/{app['app_id']}/delete", {}).status_code == 303
        assert api.get(f"/v1/Account/{account.auth_id}/Application/{app['app_id']}/").status_code == 404


def test_errors_are_shown_beside_the_field_with_the_api_text(server: LiveServer, account: MainAccount,
                                                             console: ConsoleUser) -> None:
    bad = {**FORM, "app_name": "", "answer_url": "ftp://example.org/x", "subaccount": "SA0000000000000000NO"}
    console.get(f"{PAGE}/new")
    page = console.post(f"{PAGE}/new", bad)
    assert page.status_code == 400
    with _api(server, account) as api:
        answer = api.post(f"/v1/Account/{account.auth_id}/Application/", json={**FORM, "app_name": "x",
                                                                               "answer_url": "ftp://example.org/x"})
        assert answer.status_code == 400 and field_error(page.text, "answer_url") == answer.json()["error"]
        name = api.post(f"/v1/Account/{account.auth_id}/Application/", json={**FORM, "app_name": ""})
        assert field_error(page.text, "app_name") == name.json()["error"]
        assert 'value="ftp://example.org/x"' in page.text  # what was typed stays in the form
        sub = console.post(f"{PAGE}/new", {**FORM, "subaccount": "SA0000000000000000NO"})
        assert field_error(sub.text, "subaccount") == (
            f"subaccount: SA0000000000000000NO is not a subaccount of {account.auth_id}")
        assert _apps(api, account.auth_id) == []


def test_a_script_in_an_application_name_stays_text(server: LiveServer, account: MainAccount,
                                                   console: ConsoleUser) -> None:
    name = '<script>alert("x")</script>'
    with _api(server, account) as api:
        app_id = api.post(f"/v1/Account/{account.auth_id}/Application/", json={"app_name": name}).json()["app_id"]
    for path in (PAGE, f"{PAGE}/{app_id}"):
        html = console.get(path).text
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_forms_without_the_csrf_token_are_refused_and_change_nothing(server: LiveServer, account: MainAccount,
                                                                    console: ConsoleUser) -> None:
    with _api(server, account) as api:
        app_id = api.post(f"/v1/Account/{account.auth_id}/Application/", json={"app_name": "kept"}).json()["app_id"]
        assert console.post(f"{PAGE}/new", FORM, token=False).status_code == 403
        assert console.post(f"{PAGE}/{app_id}", {**FORM, "app_name": "changed"}, token=False).status_code == 403
        assert console.post(f"{PAGE}/{app_id}/delete", {}, token=False).status_code == 403
        forged = console.http.post(f"{PAGE}/new", data={**FORM, "csrftoken": "forged"})
        assert forged.status_code == 403
        assert [app["app_name"] for app in _apps(api, account.auth_id)] == ["kept"]


def test_another_accounts_application_is_not_found(server: LiveServer, account: MainAccount,
                                                   console: ConsoleUser) -> None:
    other = server.new_main_account()
    with server.http(other) as api:
        app_id = api.post(f"/v1/Account/{other.auth_id}/Application/", json={"app_name": "theirs"}).json()["app_id"]
        console.get(PAGE)
        assert console.get(f"{PAGE}/{app_id}").status_code == 404
        assert console.post(f"{PAGE}/{app_id}", {**FORM, "app_name": "mine now"}).status_code == 404
        assert console.post(f"{PAGE}/{app_id}/delete", {}).status_code == 404
        assert "theirs" not in console.get(PAGE).text
        assert api.get(f"/v1/Account/{other.auth_id}/Application/{app_id}/").json()["app_name"] == "theirs"


def test_a_subaccount_sees_and_makes_only_its_own_applications(server: LiveServer, account: MainAccount,
                                                              anonymous: ConsoleUser) -> None:
    base = f"/v1/Account/{account.auth_id}"
    with _api(server, account) as api:
        sub = api.post(f"{base}/Subaccount/", json={"name": "branch", "enabled": True}).json()
        sibling = api.post(f"{base}/Subaccount/", json={"name": "sibling", "enabled": True}).json()
        main_app = api.post(f"{base}/Application/", json={"app_name": "main's"}).json()["app_id"]
        sibling_app = api.post(f"{base}/Application/", json={"app_name": "sibling's",
                                                             "subaccount": sibling["auth_id"]}).json()["app_id"]
        own_app = api.post(f"{base}/Application/", json={"app_name": "branch's",
                                                         "subaccount": sub["auth_id"]}).json()["app_id"]
        anonymous.sign_in(sub["auth_id"], sub["auth_token"])
        listing = anonymous.get(PAGE).text
        assert "branch&#39;s" in listing and "main&#39;s" not in listing and "sibling&#39;s" not in listing
        for app_id in (main_app, sibling_app):
            assert anonymous.get(f"{PAGE}/{app_id}").status_code == 404
            assert anonymous.post(f"{PAGE}/{app_id}/delete", {}).status_code == 404
        form = anonymous.get(f"{PAGE}/new").text
        assert 'name="subaccount"' not in form
        assert anonymous.post(f"{PAGE}/new", {**FORM, "app_name": "made by branch",
                                              "subaccount": sibling["auth_id"]}).status_code == 303
        made = api.get(f"{base}/Application/", params={"app_name": "made by branch"}).json()["objects"]
        assert [app["sub_account"] for app in made] == [f"{base}/Subaccount/{sub['auth_id']}/"]
        assert anonymous.get(f"{PAGE}/{own_app}").status_code == 200


def test_the_list_pages_by_twenty(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    with _api(server, account) as api:
        for number in range(23):
            api.post(f"/v1/Account/{account.auth_id}/Application/", json={"app_name": f"app-{number:02}"})
    first = console.get(PAGE).text
    assert "1–20 of 23" in first and len(re.findall(rf'href="{PAGE}/\d+"', first)) == 20
    assert f'href="{PAGE}?limit=20&amp;offset=20"' in first and "app-22" in first
    second = console.get(PAGE, params={"limit": 20, "offset": 20}).text
    assert "21–23 of 23" in second and len(re.findall(rf'href="{PAGE}/\d+"', second)) == 3 and "app-00" in second
    assert console.get(PAGE, params={"offset": -1}).status_code == 400


def test_a_form_that_is_not_utf8_or_too_large_is_refused_and_changes_nothing(
        server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    console.get(f"{PAGE}/new")
    form = {"content-type": "application/x-www-form-urlencoded"}
    token = f"&csrftoken={console.token}".encode()
    garbled = console.http.post(f"{PAGE}/new", content=b"app_name=\xff\xfeHotline" + token, headers=form)
    assert garbled.status_code == 400 and "not UTF-8" in garbled.text
    huge = console.http.post(f"{PAGE}/new", content=b"app_name=" + b"x" * (1024 * 1024) + token, headers=form)
    assert huge.status_code == 413
    with _api(server, account) as api:
        assert _apps(api, account.auth_id) == []
    assert console.post(f"{PAGE}/new", FORM).status_code == 303  # the session survives both
