"""Signing in with an Auth ID and Auth Token or a console user's email and password, the session
cookie, sign-out and the security headers."""

import base64
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from switchboard.accounts import users
from switchboard.billing.service import add_credit
from tests.console.helpers import ConsoleUser
from tests.helpers import LiveServer, MainAccount


def test_sign_in_opens_the_overview_with_a_safe_session_cookie(anonymous: ConsoleUser, account: MainAccount) -> None:
    assert anonymous.get("/").headers["location"] == "/login"
    response = anonymous.sign_in(account.auth_id, account.auth_token)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("switchboard_console="))
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "max-age=43200" in flags
    assert "secure" not in flags  # served over plain http here; see the https test below
    assert account.auth_token not in cookie
    assert account.auth_token not in base64.b64decode(cookie.split("=", 1)[1].split(".")[0] + "==").decode()
    overview = anonymous.get("/")
    assert overview.status_code == 200
    assert account.auth_id in overview.text


def test_a_wrong_token_is_refused_with_the_api_message(anonymous: ConsoleUser, account: MainAccount) -> None:
    response = anonymous.sign_in(account.auth_id, account.auth_token[:-1] + "x")
    assert response.status_code == 401
    assert "authentication failed: wrong auth_id or auth_token" in response.text
    assert not any(c.startswith("switchboard_console=") for c in response.headers.get_list("set-cookie"))
    assert anonymous.get("/").status_code == 303


def test_sign_in_without_the_csrf_token_is_refused(anonymous: ConsoleUser, account: MainAccount) -> None:
    anonymous.get("/login")
    response = anonymous.post("/login", {"auth_id": account.auth_id, "auth_token": account.auth_token}, token=False)
    assert response.status_code == 403
    assert anonymous.get("/").status_code == 303


def test_sign_in_is_throttled_with_basic_auth(backend: str, tmp_path: Path) -> None:
    """One throttle for both doors: failed sign-ins block the address's API requests too."""
    live = LiveServer(backend, data_dir=tmp_path, auth_failure_limit=3, auth_failure_window=60.0)
    live.start()
    user = ConsoleUser(live)
    try:
        account = live.new_main_account()
        statuses = [user.sign_in(account.auth_id, "wrong").status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        blocked = user.sign_in(account.auth_id, account.auth_token)
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
        assert "too many failed authentication attempts" in blocked.text
        with live.http(account) as api:
            assert api.get(f"/v1/Account/{account.auth_id}/").status_code == 429
    finally:
        user.close()
        live.stop()


def test_cookies_are_secure_when_the_public_url_is_https(backend: str, tmp_path: Path) -> None:
    live = LiveServer(backend, data_dir=tmp_path, public_url="https://console.example.org")
    live.start()
    user = ConsoleUser(live)
    try:
        account = live.new_main_account()
        login = user.get("/login")
        assert "secure" in login.headers["set-cookie"].lower()  # the CSRF cookie
        # the client keeps a Secure cookie for https only: hand the CSRF cookie back by hand
        response = httpx.post(f"{live.base_url}/login", headers={"cookie": f"csrftoken={user.token}"},
                              data={"csrftoken": user.token, "auth_id": account.auth_id, "auth_token": account.auth_token})
        assert response.status_code == 303
        assert "; secure" in response.headers["set-cookie"].lower()
    finally:
        user.close()
        live.stop()


def test_sign_out_ends_the_session(console: ConsoleUser) -> None:
    assert console.get("/").status_code == 200
    assert console.post("/logout", {}).headers["location"] == "/login"
    assert console.get("/").status_code == 303


def test_a_disabled_subaccount_loses_its_session(server: LiveServer, account: MainAccount, anonymous: ConsoleUser) -> None:
    with server.http(account) as api:
        sub = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "branch", "enabled": True}).json()
        assert anonymous.sign_in(sub["auth_id"], sub["auth_token"]).status_code == 303
        assert anonymous.get("/").status_code == 200
        api.post(f"/v1/Account/{account.auth_id}/Subaccount/{sub['auth_id']}/", json={"enabled": False})
    assert anonymous.get("/").status_code == 303


def test_overview_shows_credentials_balance_and_live_calls(server: LiveServer, account: MainAccount,
                                                           console: ConsoleUser) -> None:
    server.call(_credit, account.auth_id, Decimal("12.5"))
    page = console.get("/")
    assert 'id="cash-credits">$12.50000<' in page.text
    assert f'type="password" readonly value="{account.auth_token}"' in page.text  # hidden until revealed
    assert '<span id="live-calls"' in page.text and ">0</span>" in page.text
    assert console.get("/overview/live-calls").text.strip().endswith(">0</span>")


async def _credit(app: Any, auth_id: str, amount: Decimal) -> None:
    async with app.state.db.session() as session:
        await add_credit(session, app.state.clock, auth_id, amount)


def test_console_pages_carry_the_security_headers(console: ConsoleUser) -> None:
    for path in ("/", "/login", "/voice/applications"):
        headers = console.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
        assert headers["x-frame-options"] == "DENY"


def test_the_api_keeps_its_json_and_needs_no_csrf_token(server: LiveServer, account: MainAccount,
                                                         console: ConsoleUser) -> None:
    """A console cookie does not open the API, and the API's form posts are not CSRF-checked."""
    assert console.http.get(f"/v1/Account/{account.auth_id}/").status_code == 401
    with httpx.Client(base_url=server.base_url, auth=(account.auth_id, account.auth_token)) as api:
        created = api.post(f"/v1/Account/{account.auth_id}/Application/", data={"app_name": "form-posted"},
                           headers={"cookie": "csrftoken=x"})
        assert created.status_code == 201
        missing = api.get("/no-such-page")
        assert missing.status_code == 404 and "content-security-policy" not in missing.headers


# --- console users: email and password -----------------------------------------------------------

PASSWORD = "correct horse battery"


def _console_user(server: LiveServer, auth_id: str, password: str = PASSWORD) -> str:
    email = f"ops.{uuid.uuid4().hex[:8]}@example.org"

    async def add(app: Any) -> None:
        async with app.state.db.session() as session:
            await users.add_user(session, app.state.clock, email, auth_id, password)

    server.call(add)
    return email


def _change(server: LiveServer, work: Any) -> None:
    async def run(app: Any) -> None:
        async with app.state.db.session() as session:
            await work(session)

    server.call(run)


def test_a_console_user_signs_in_with_email_and_password(server: LiveServer, account: MainAccount,
                                                         anonymous: ConsoleUser) -> None:
    email = _console_user(server, account.auth_id)
    form = anonymous.get("/login").text
    assert 'method="post" action="/login"' in form and 'type="email"' in form and 'name="password" type="password"' in form
    response = anonymous.sign_in_with_email(email.upper(), PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("switchboard_console="))
    session = base64.b64decode(cookie.split("=", 1)[1].split(".")[0] + "==").decode()
    assert PASSWORD not in session and "argon2" not in session and email not in session
    overview = anonymous.get("/")
    assert overview.status_code == 200
    assert account.auth_id in overview.text and email in overview.text  # the account, and who signed in


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(server: LiveServer, account: MainAccount,
                                                                   anonymous: ConsoleUser) -> None:
    email = _console_user(server, account.auth_id)
    wrong = anonymous.sign_in_with_email(email, PASSWORD + "x")
    unknown = anonymous.sign_in_with_email("nobody." + email, PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "authentication failed: wrong email or password" in response.text
        assert PASSWORD not in response.text
        assert not any(c.startswith("switchboard_console=") for c in response.headers.get_list("set-cookie"))
    assert wrong.text.replace(email, "") == unknown.text.replace("nobody." + email, "")
    assert f'value="{email}"' in wrong.text  # what was typed stays; the password does not
    assert anonymous.get("/").status_code == 303


def test_email_sign_ins_share_the_basic_auth_throttle(backend: str, tmp_path: Path) -> None:
    live = LiveServer(backend, data_dir=tmp_path, auth_failure_limit=3, auth_failure_window=60.0)
    live.start()
    user = ConsoleUser(live)
    try:
        account = live.new_main_account()
        email = _console_user(live, account.auth_id)
        failures = [user.sign_in_with_email(email, "wrong password"), user.sign_in(account.auth_id, "wrong"),
                    user.sign_in_with_email("nobody@example.org", PASSWORD)]
        assert [response.status_code for response in failures] == [401, 401, 401]
        blocked = user.sign_in_with_email(email, PASSWORD)  # right, but the address is blocked
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
        assert "too many failed authentication attempts" in blocked.text
        assert user.get("/").status_code == 303
        with live.http(account) as api:
            assert api.get(f"/v1/Account/{account.auth_id}/").status_code == 429
    finally:
        user.close()
        live.stop()


def test_a_users_sessions_end_when_its_password_changes_or_it_is_removed(server: LiveServer, account: MainAccount,
                                                                          anonymous: ConsoleUser) -> None:
    email = _console_user(server, account.auth_id)
    other = ConsoleUser(server)
    try:
        assert anonymous.sign_in_with_email(email, PASSWORD).status_code == 303
        assert other.sign_in(account.auth_id, account.auth_token).status_code == 303
        _change(server, lambda session: users.set_password(session, email, "another password"))
        assert anonymous.get("/").status_code == 303
        assert other.get("/").status_code == 200  # the account's own sign-in is not the user's
        assert anonymous.sign_in_with_email(email, "another password").status_code == 303
        assert anonymous.get("/").status_code == 200
        _change(server, lambda session: users.remove_user(session, email))
        assert anonymous.get("/").status_code == 303
        assert anonymous.sign_in_with_email(email, "another password").status_code == 401
    finally:
        other.close()
