"""`switchboard credit`, `switchboard coupon create` and `switchboard create-account --prepaid
--credit` as an operator runs them (real processes), on the database a live server uses."""

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.billing.conftest import Books, account_object
from tests.helpers import LiveServer, MainAccount
from tests.test_cli import SWITCHBOARD, serving


def switchboard(backend: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SWITCHBOARD, *args, "--database-url", backend], capture_output=True, text=True, timeout=60)


def test_credit_adds_and_prints_the_new_balance(backend: str, server: LiveServer, account: MainAccount) -> None:
    first = switchboard(backend, "credit", account.auth_id, "--add", "25.00")
    assert (first.returncode, first.stdout) == (0, "cash_credits: 25.00000\n"), first.stderr
    assert switchboard(backend, "credit", account.auth_id, "--add", "0.5").stdout == "cash_credits: 25.50000\n"
    assert switchboard(backend, "credit", account.auth_id).stdout == "cash_credits: 25.50000\n"  # no --add: show it
    assert account_object(server, account)["cash_credits"] == "25.50000"


@pytest.mark.parametrize(("value", "message"), [
    ("-5", "--add: must be more than 0, not -5"), ("0", "--add: must be more than 0"), ("abc", "--add: 'abc' is not a number"),
    ("1.000001", "--add: at most 5 decimals"), ("", "--add: '' is not a number"), ("nan", "is not a number"),
])
def test_credit_refuses_bad_amounts(backend: str, account: MainAccount, books: Books, value: str, message: str) -> None:
    result = switchboard(backend, "credit", account.auth_id, f"--add={value}")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert books.rows(account.auth_id) == []


def test_credit_refuses_unknown_accounts_and_subaccounts(backend: str, server: LiveServer, account: MainAccount,
                                                         books: Books) -> None:
    unknown = switchboard(backend, "credit", "MA" + "Q" * 18, "--add", "5")
    assert unknown.returncode == 1 and f"account {'MA' + 'Q' * 18} not found" in unknown.stderr
    with server.http(account) as http:
        sub = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "s"}).json()["auth_id"]
    as_sub = switchboard(backend, "credit", sub, "--add", "5")
    assert as_sub.returncode == 1 and f"belongs to its main account {account.auth_id}" in as_sub.stderr
    assert books.rows(account.auth_id) == []


def test_a_coupon_from_the_command_line_is_redeemed_over_the_api(backend: str, server: LiveServer,
                                                                 account: MainAccount) -> None:
    created = switchboard(backend, "coupon", "create", "--amount", "50")
    assert created.returncode == 0, created.stderr
    code = re.search(r"^code:   ([A-Z0-9-]{19})$", created.stdout, re.M).group(1)  # type: ignore[union-attr]
    assert "amount: 50.00000" in created.stdout
    with server.http(account) as http:
        redeemed = http.post(f"/v1/Account/{account.auth_id}/Coupon/", json={"coupon_code": code})
    assert redeemed.status_code == 202 and redeemed.json()["cash_credits"] == "50.00000"
    refused = switchboard(backend, "coupon", "create", "--amount", "-50")
    assert refused.returncode == 2 and "--amount: must be more than 0" in refused.stderr


def test_create_account_prepaid_with_credit(backend: str, server: LiveServer) -> None:
    created = switchboard(backend, "create-account", "--name", "Prepaid tenant", "--prepaid", "--credit", "10")
    assert created.returncode == 0, created.stderr
    auth_id = re.search(r"auth_id:    (MA[A-Z0-9]{18})", created.stdout).group(1)  # type: ignore[union-attr]
    token = re.search(r"auth_token: (\S+)", created.stdout).group(1)  # type: ignore[union-attr]
    assert "billing_mode: prepaid\ncash_credits: 10.00000\n" in created.stdout
    body = account_object(server, MainAccount(auth_id, token))
    assert (body["billing_mode"], body["cash_credits"]) == ("prepaid", "10.00000")
    plain = switchboard(backend, "create-account")
    assert "billing_mode: postpaid\ncash_credits: 0.00000\n" in plain.stdout
    bad = switchboard(backend, "create-account", "--prepaid", "--credit", "ten")
    assert bad.returncode == 2 and "--credit: 'ten' is not a number" in bad.stderr and "auth_id" not in bad.stdout


def test_the_account_of_the_first_serve_is_postpaid(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sb.db'}"
    with serving(url, tmp_path, {"SWITCHBOARD_AUTH_ID": "", "SWITCHBOARD_AUTH_TOKEN": ""}) as (base, lines):
        output = "".join(lines)
        auth_id = re.search(r"auth_id:    (MA[A-Z0-9]{18})", output).group(1)  # type: ignore[union-attr]
        token = re.search(r"auth_token: ([A-Za-z0-9]{40})", output).group(1)  # type: ignore[union-attr]
        body = httpx.get(f"{base}/v1/Account/{auth_id}/", auth=(auth_id, token)).json()
    assert (body["billing_mode"], body["cash_credits"]) == ("postpaid", "0.00000")
