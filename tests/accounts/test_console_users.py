"""Console users: the service (email rules, argon2id hashes, sign-in, a new password, removal) and
`switchboard user …` / `switchboard create-account --email` as an operator runs them (real
processes on the database a live server uses), on both databases."""

import re
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from switchboard.accounts import users
from switchboard.accounts.models import Account
from switchboard.core.errors import ConflictError, NotFoundError, PlivoError, ValidationError
from tests.console.helpers import ConsoleUser
from tests.helpers import LiveServer, MainAccount
from tests.test_cli import SWITCHBOARD

PASSWORD = "correct horse battery"


def _run(server: LiveServer, work: Any, *args: Any) -> Any:
    """``work(session, clock, *args)`` on the live server's database."""
    async def run(app: Any) -> Any:
        async with app.state.db.session() as session:
            return await work(session, app.state.clock, *args)

    return server.call(run)


def _add(server: LiveServer, email: str, auth_id: str, password: str = PASSWORD) -> Any:
    return _run(server, lambda session, clock: users.add_user(session, clock, email, auth_id, password))


def _sign_in(server: LiveServer, email: str, password: str) -> users.UserRecord | None:
    return _run(server, lambda session, clock: users.sign_in(session, clock, email, password))


def _refused(server: LiveServer, work: Any) -> PlivoError:
    with pytest.raises(PlivoError) as caught:
        _run(server, work)
    return caught.value


def _unique(name: str) -> str:
    """An email no other test on the same database has used."""
    return f"{name}.{uuid.uuid4().hex[:8]}@example.org"


@pytest.fixture
def anonymous(server: LiveServer) -> Iterator[ConsoleUser]:
    user = ConsoleUser(server)
    yield user
    user.close()


def switchboard(backend: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SWITCHBOARD, *args, "--database-url", backend], input=stdin, capture_output=True,
                          text=True, timeout=60)


# --- the service -------------------------------------------------------------------------------


def test_a_user_is_kept_with_a_lower_case_email_and_an_argon2id_hash(server: LiveServer, account: MainAccount) -> None:
    email = _unique("ops.lead")
    user = _add(server, f"  {email.upper()} ", account.auth_id)
    assert user.email == email.lower() and user.auth_id == account.auth_id
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert user.last_sign_in is None
    signed = _sign_in(server, email.title(), PASSWORD)  # any case signs in
    assert signed is not None and signed.user_id == user.user_id and signed.last_sign_in is not None
    [listed] = _run(server, lambda session, _clock: users.list_users(session, account.auth_id))
    assert listed.last_sign_in is not None


def test_a_wrong_password_and_an_unknown_email_are_both_just_refused(server: LiveServer, account: MainAccount) -> None:
    email = _unique("a")
    _add(server, email, account.auth_id)
    assert _sign_in(server, email, PASSWORD + "!") is None
    assert _sign_in(server, _unique("nobody"), PASSWORD) is None
    assert _sign_in(server, "not an email", PASSWORD) is None
    assert _sign_in(server, email, "x" * (users.PASSWORD_MAX + 1)) is None
    assert _sign_in(server, email, PASSWORD) is not None


def test_what_add_user_refuses(server: LiveServer, account: MainAccount) -> None:
    email = _unique("taken")
    _add(server, email, account.auth_id)
    other = server.new_main_account()
    with server.http(account) as api:
        sub = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "branch"}).json()["auth_id"]
    cases: list[tuple[str, str, str, type[PlivoError], str]] = [
        (email.upper(), other.auth_id, PASSWORD, ConflictError, f"email: a console user {email} already exists"),
        ("no-at-sign.example.org", account.auth_id, PASSWORD, ValidationError, "is not an email address"),
        ("", account.auth_id, PASSWORD, ValidationError, "email: give an email address"),
        (_unique("short"), account.auth_id, "1234567", ValidationError, "password: must be at least 8 characters"),
        (_unique("sub"), sub, PASSWORD, ValidationError, f"account: {sub} is a subaccount"),
        (_unique("lost"), "MA" + "Q" * 18, PASSWORD, NotFoundError, f"account {'MA' + 'Q' * 18} not found"),
    ]
    for address, auth_id, password, kind, message in cases:
        error = _refused(server, lambda s, c: users.add_user(s, c, address, auth_id, password))
        assert isinstance(error, kind) and message in error.message, (address, error.message)
    assert [u.email for u in _run(server, lambda s, _c: users.list_users(s, other.auth_id))] == []


def test_a_new_password_replaces_the_old_and_a_removed_user_cannot_sign_in(server: LiveServer,
                                                                          account: MainAccount) -> None:
    email = _unique("b")
    before = _add(server, email, account.auth_id).password_hash
    after = _run(server, lambda s, _c: users.set_password(s, email.upper(), "a brand new one")).password_hash
    assert after != before
    assert _sign_in(server, email, PASSWORD) is None and _sign_in(server, email, "a brand new one") is not None
    _run(server, lambda s, _c: users.remove_user(s, email))
    assert _sign_in(server, email, "a brand new one") is None
    error = _refused(server, lambda s, _c: users.remove_user(s, email))
    assert isinstance(error, NotFoundError) and error.message == f"console user {email} not found"
    assert isinstance(_refused(server, lambda s, _c: users.set_password(s, email, PASSWORD)), NotFoundError)


# --- the command line ----------------------------------------------------------------------------


def test_user_add_list_passwd_remove_from_the_command_line(backend: str, server: LiveServer, account: MainAccount,
                                                           anonymous: ConsoleUser) -> None:
    email = _unique("operator")
    added = switchboard(backend, "user", "add", email.upper(), "--account", account.auth_id,
                        "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert f"email:    {email}" in added.stdout and "password" not in added.stdout  # chosen, so not printed
    listing = switchboard(backend, "user", "list", "--account", account.auth_id)
    assert re.search(rf"^{re.escape(email)}\s+{account.auth_id}\s+\d{{4}}-\d\d-\d\d \d\d:\d\d\s+never$",
                     listing.stdout, re.M), listing.stdout
    assert anonymous.sign_in_with_email(email, PASSWORD).status_code == 303
    assert "never" not in switchboard(backend, "user", "list", "--account", account.auth_id).stdout

    changed = switchboard(backend, "user", "passwd", email)
    assert changed.returncode == 0, changed.stderr
    password = re.search(r"^password: (\S+)  \(shown once", changed.stdout, re.M).group(1)  # type: ignore[union-attr]
    assert len(password) >= 20
    assert anonymous.get("/").status_code == 303  # the new password ended the session
    assert anonymous.sign_in_with_email(email, PASSWORD).status_code == 401
    assert anonymous.sign_in_with_email(email, password).status_code == 303

    removed = switchboard(backend, "user", "remove", email)
    assert (removed.returncode, removed.stdout) == (0, f"removed {email}\n")
    assert anonymous.get("/").status_code == 303
    again = switchboard(backend, "user", "remove", email)
    assert again.returncode == 1 and f"console user {email} not found" in again.stderr


def test_user_add_makes_up_a_password_and_says_what_it_refuses(backend: str, server: LiveServer,
                                                              account: MainAccount, anonymous: ConsoleUser) -> None:
    email = _unique("made-up")
    added = switchboard(backend, "user", "add", email, "--account", account.auth_id)
    assert added.returncode == 0, added.stderr
    password = re.search(r"^password: (\S+)  \(shown once", added.stdout, re.M).group(1)  # type: ignore[union-attr]
    assert anonymous.sign_in_with_email(email, password).status_code == 303
    refusals = [
        (["user", "add", email, "--account", account.auth_id], None, 1, f"a console user {email} already exists"),
        (["user", "add", "nobody", "--account", account.auth_id], None, 2, "'nobody' is not an email address"),
        (["user", "add", _unique("c"), "--account", account.auth_id, "--password-stdin"], "short\n", 2,
         "password: must be at least 8 characters"),
    ]
    for args, stdin, code, message in refusals:
        result = switchboard(backend, *args, stdin=stdin)
        assert result.returncode == code and message in result.stderr, (args, result.stderr)
        assert "password:" not in result.stdout


def test_create_account_with_an_email_makes_its_console_user(backend: str, server: LiveServer,
                                                            anonymous: ConsoleUser) -> None:
    email = _unique("tenant")
    created = switchboard(backend, "create-account", "--name", "Tenant", "--email", email)
    assert created.returncode == 0, created.stderr
    auth_id = re.search(r"^auth_id:    (MA[A-Z0-9]{18})$", created.stdout, re.M).group(1)  # type: ignore[union-attr]
    password = re.search(r"^password: (\S+)  \(shown once", created.stdout, re.M).group(1)  # type: ignore[union-attr]
    assert f"email:    {email}" in created.stdout
    assert anonymous.sign_in_with_email(email, password).status_code == 303
    overview = anonymous.get("/")
    assert overview.status_code == 200 and auth_id in overview.text and email in overview.text

    accounts = _run(server, lambda s, _c: s.scalar(select(func.count()).select_from(Account)))
    taken = switchboard(backend, "create-account", "--name", "Again", "--email", email.upper())
    assert taken.returncode == 1 and f"a console user {email} already exists" in taken.stderr
    assert "auth_id" not in taken.stdout
    assert _run(server, lambda s, _c: s.scalar(select(func.count()).select_from(Account))) == accounts  # none half made
