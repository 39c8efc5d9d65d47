"""Voice > Endpoints: create, edit, delete against the REST API, the SIP URI and live
registrations; errors beside fields; CSRF; subaccount isolation; escaping (aliases, user agents)."""

import re
from typing import Any

from switchboard.endpoints.bindings import update_bindings
from switchboard.endpoints.models import Endpoint
from tests.console.helpers import ConsoleUser, field_error
from tests.helpers import LiveServer, MainAccount

PAGE = "/voice/endpoints"
FORM = {"username": "desk", "password": "s3cret-pass", "alias": "Front desk", "app_id": ""}


def _register(server: LiveServer, endpoint_id: str, contact: str, user_agent: str, source: str) -> None:
    """What the SIP registrar stores for a REGISTER (the same service it calls)."""
    async def run(app: Any) -> None:
        async with app.state.db.session() as session:
            endpoint = await session.get(Endpoint, endpoint_id)
            assert endpoint is not None
            await update_bindings(session, endpoint, app.state.clock.now(), [(contact, 600)], remove_all=False,
                                  user_agent=user_agent, call_id="c1", cseq=1, source=source)

    server.call(run)


def test_create_edit_delete_round_trip_through_the_api(server: LiveServer, account: MainAccount,
                                                      console: ConsoleUser) -> None:
    base = f"/v1/Account/{account.auth_id}"
    with server.http(account) as api:
        app_id = api.post(f"{base}/Application/", json={"app_name": "Browser phone"}).json()["app_id"]
        form = console.get(f"{PAGE}/new").text
        assert f'<option value="{app_id}" >Browser phone ({app_id})</option>' in form
        for label in ("Username", "Password", "Alias", "Application"):
            assert f">{label}</label>" in form
        created = console.post(f"{PAGE}/new", {**FORM, "app_id": app_id})
        assert created.status_code == 303
        [endpoint] = api.get(f"{base}/Endpoint/").json()["objects"]
        assert created.headers["location"] == f"{PAGE}/{endpoint['endpoint_id']}?created=1"
        assert re.fullmatch(r"desk\d{12}", endpoint["username"]) and endpoint["alias"] == "Front desk"
        assert endpoint["application"].endswith(f"/Application/{app_id}/")
        page = console.get(created.headers["location"]).text
        assert endpoint["sip_uri"] in page and endpoint["username"] in page and "Not registered now." in page
        listing = console.get(PAGE).text
        assert f'href="{PAGE}/{endpoint["endpoint_id"]}">{endpoint["username"]}</a>' in listing

        changed = console.post(f"{PAGE}/{endpoint['endpoint_id']}", {"password": "", "alias": "Lobby", "app_id": ""})
        assert changed.status_code == 303
        after = api.get(f"{base}/Endpoint/{endpoint['endpoint_id']}/").json()
        assert (after["alias"], after["application"]) == ("Lobby", None)

        deleted = console.post(f"{PAGE}/{endpoint['endpoint_id']}/delete", {})
        assert deleted.status_code == 303
        assert api.get(f"{base}/Endpoint/{endpoint['endpoint_id']}/").status_code == 404
        assert f"Endpoint {endpoint['username']} was deleted." in console.get(deleted.headers["location"]).text


def test_errors_are_the_apis_beside_their_field(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    base = f"/v1/Account/{account.auth_id}"
    console.get(f"{PAGE}/new")
    with server.http(account) as api:
        for name, value in (("username", "9lives"), ("password", "abc"), ("alias", "")):
            page = console.post(f"{PAGE}/new", {**FORM, name: value})
            answer = api.post(f"{base}/Endpoint/", json={**FORM, name: value, "app_id": None})
            assert page.status_code == answer.status_code == 400
            assert field_error(page.text, name) == answer.json()["error"], name
        page = console.post(f"{PAGE}/new", {**FORM, "app_id": "12345"})
        assert page.status_code == 400 and field_error(page.text, "app_id") == "app_id: application 12345 not found"
        assert 'value="Front desk"' in page.text and 's3cret-pass' not in page.text  # a password is never echoed
        assert api.get(f"{base}/Endpoint/").json()["objects"] == []
        endpoint_id = api.post(f"{base}/Endpoint/", json=FORM).json()["endpoint_id"]
        short = console.post(f"{PAGE}/{endpoint_id}", {"password": "ab", "alias": "x", "app_id": ""})
        assert short.status_code == 400 and field_error(short.text, "password") == (
            api.post(f"{base}/Endpoint/{endpoint_id}/", json={"password": "ab"}).json()["error"])


def test_the_page_shows_where_the_endpoint_is_registered_and_escapes_the_user_agent(
        server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    base = f"/v1/Account/{account.auth_id}"
    agent = '<script>alert("ua")</script> Linphone/5.2'
    with server.http(account) as api:
        endpoint_id = api.post(f"{base}/Endpoint/", json={**FORM, "alias": '<script>alert("alias")</script>'}
                               ).json()["endpoint_id"]
        _register(server, endpoint_id, "sip:desk@192.0.2.7:5062;transport=tcp", agent, "TCP:192.0.2.7:5062")
        endpoint = api.get(f"{base}/Endpoint/{endpoint_id}/").json()
    assert endpoint["sip_registered"] == "true"
    page = console.get(f"{PAGE}/{endpoint_id}").text
    assert "Registered now at 1 contact." in page
    assert "sip:desk@192.0.2.7:5062;transport=tcp" in page and "<td>TCP</td>" in page and "192.0.2.7:5062" in page
    assert endpoint["sip_expires"][:10] in page
    assert 'hx-trigger="every 5s"' in page  # the registration refreshes while the page is open
    for html in (page, console.get(PAGE).text):
        assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;alias&#34;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#34;ua&#34;)&lt;/script&gt; Linphone/5.2" in page
    assert '<span class="tag">registered</span>' in console.get(PAGE).text


def test_forms_without_the_csrf_token_change_nothing(server: LiveServer, account: MainAccount,
                                                     console: ConsoleUser) -> None:
    base = f"/v1/Account/{account.auth_id}"
    with server.http(account) as api:
        endpoint_id = api.post(f"{base}/Endpoint/", json=FORM).json()["endpoint_id"]
        console.get(PAGE)
        assert console.post(f"{PAGE}/new", FORM, token=False).status_code == 403
        assert console.post(f"{PAGE}/{endpoint_id}", {**FORM, "alias": "changed"}, token=False).status_code == 403
        assert console.post(f"{PAGE}/{endpoint_id}/delete", {}, token=False).status_code == 403
        [endpoint] = api.get(f"{base}/Endpoint/").json()["objects"]
        assert endpoint["alias"] == "Front desk"


def test_a_subaccount_sees_and_changes_only_its_own_endpoints(server: LiveServer, account: MainAccount) -> None:
    base = f"/v1/Account/{account.auth_id}"
    with server.http(account) as api:
        sub = api.post(f"{base}/Subaccount/", json={"name": "branch", "enabled": True}).json()
        mains = api.post(f"{base}/Endpoint/", json={**FORM, "alias": "main's"}).json()["endpoint_id"]
        main_app = api.post(f"{base}/Application/", json={"app_name": "main app"}).json()["app_id"]
    other = server.new_main_account()
    with server.http(other) as their_api:
        strangers = their_api.post(f"/v1/Account/{other.auth_id}/Endpoint/", json=FORM).json()["endpoint_id"]
    user = ConsoleUser(server)
    try:
        assert user.sign_in(sub["auth_id"], sub["auth_token"]).status_code == 303
        assert "main&#39;s" not in user.get(PAGE).text
        for endpoint_id in (mains, strangers):
            assert user.get(f"{PAGE}/{endpoint_id}").status_code == 404
            assert user.post(f"{PAGE}/{endpoint_id}", {**FORM, "alias": "mine"}).status_code == 404
            assert user.post(f"{PAGE}/{endpoint_id}/delete", {}).status_code == 404
        assert main_app not in user.get(f"{PAGE}/new").text  # the main account's applications are not offered
        assert user.post(f"{PAGE}/new", {**FORM, "alias": "branch phone"}).status_code == 303
        with server.http(account) as api:
            objects = api.get(f"{base}/Endpoint/").json()["objects"]
            assert {e["alias"]: e["sub_account"] for e in objects} == {
                "main's": None, "branch phone": f"{base}/Subaccount/{sub['auth_id']}/"}
    finally:
        user.close()


def test_the_list_pages_by_twenty(server: LiveServer, account: MainAccount, console: ConsoleUser) -> None:
    with server.http(account) as api:
        for number in range(21):
            api.post(f"/v1/Account/{account.auth_id}/Endpoint/", json={**FORM, "alias": f"phone-{number:02}"})
    first = console.get(PAGE).text
    assert "1–20 of 21" in first and len(re.findall(rf'href="{PAGE}/\d+"', first)) == 20
    assert len(re.findall(rf'href="{PAGE}/\d+"', console.get(PAGE, params={"offset": 20}).text)) == 1
    assert console.get(PAGE, params={"limit": 50}).status_code == 400
