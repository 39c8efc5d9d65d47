"""The ``switchboard`` command."""

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
import uvicorn

from switchboard.config import Settings

HTTP_SERVER_OPTIONS: dict[str, Any] = {"access_log": False, "timeout_keep_alive": 75}
"""uvicorn options of ``serve`` (and of the tests' server). An idle connection stays open 75 s, not
uvicorn's 5: API clients such as the Plivo SDKs keep connections in a pool with no idle timeout of
their own, so a request sent just as the server closed its connection failed with "connection
reset" after a pause of about 5 s between two calls."""

cli = typer.Typer(help="Switchboard: a self-hosted platform that speaks Plivo's API.", no_args_is_help=True)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port.")] = 8080,
    data_dir: Annotated[Path, typer.Option(help="Where the embedded database and media live.")] = Path("var"),
    database_url: Annotated[
        Optional[str], typer.Option(help="SQLAlchemy URL; default: SQLite in the data dir. PostgreSQL: postgresql+asyncpg://…")
    ] = None,
    public_url: Annotated[Optional[str], typer.Option(help="Base URL others reach this server at (media URLs, sip domain).")] = None,
    sip_domain: Annotated[Optional[str], typer.Option(help="Domain of application and endpoint SIP URIs; default: the public URL's host.")] = None,
    sip_listen: Annotated[Optional[str], typer.Option(help="Serve SIP (UDP and TCP) on host:port, e.g. 0.0.0.0:5060; default: no SIP.")] = None,
    sip_media_host: Annotated[Optional[str], typer.Option(help="Address announced in SDP for RTP; default: the SIP listen host.")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    clock: Annotated[str, typer.Option(help="real, or virtual: simulated time that jumps ahead when every call is waiting.")] = "real",
    sms_mps: Annotated[
        Optional[list[str]],
        typer.Option(help="Sender throughput, segments/s: KIND=RATE (longcode, tollfree, shortcode, international) or NUMBER=RATE; repeatable."),
    ] = None,
    connectors: Annotated[
        Optional[Path], typer.Option(help="TOML file of carrier connectors (SMPP, HTTP) and messaging routes; see docs/messaging.md.")
    ] = None,
    outbound_cps: Annotated[int, typer.Option(help="Outbound API calls started per second per main account; more are queued.", min=1)] = 2,
    billing: Annotated[bool, typer.Option(help="Charge messages to the ledger and refuse them without credit (900); --no-billing: rate them for display only.")] = True,
    webhook_log_retention_hours: Annotated[float, typer.Option(help="Keep webhook debug-log entries this long.")] = 72.0,
    webhook_host_concurrency: Annotated[int, typer.Option(help="Event notifications of one account in flight to one host at a time.")] = 16,
    webhook_ca_file: Annotated[Optional[str], typer.Option(help="PEM file of CAs to trust for https webhook URLs.")] = None,
    recording_retention_days: Annotated[
        Optional[float], typer.Option(help="Delete recordings older than this many days; default: keep until deleted.")
    ] = None,
    payment_provider: Annotated[
        Optional[str], typer.Option(help="module:factory returning a card payment provider (docs/billing.md); default: none.")
    ] = None,
) -> None:
    """Start the server. The main account comes from SWITCHBOARD_AUTH_ID/SWITCHBOARD_AUTH_TOKEN on an empty database."""
    from switchboard.app import create_app

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if clock not in ("real", "virtual"):
        typer.echo("error: --clock must be real or virtual", err=True)
        raise typer.Exit(2)
    try:
        rates = parse_rates(sms_mps or [])
    except ValueError as exc:
        typer.echo(f"error: --sms-mps: {exc}", err=True)
        raise typer.Exit(2) from None
    if sip_listen:
        from switchboard.network.sip.runtime import parse_listen

        try:
            parse_listen(sip_listen)
        except ValueError as exc:
            typer.echo(f"error: --sip-listen: {exc}", err=True)
            raise typer.Exit(2) from None
    settings = Settings(
        host=host, port=port, data_dir=data_dir, database_url=database_url, public_url=public_url, sip_domain=sip_domain,
        clock=clock, sms_mps=rates, connectors_file=connectors, outbound_cps=outbound_cps, billing=billing,
        sip_listen=sip_listen, sip_media_host=sip_media_host, webhook_log_retention_hours=webhook_log_retention_hours,
        webhook_host_concurrency=webhook_host_concurrency, webhook_ca_file=webhook_ca_file,
        recording_retention_days=recording_retention_days, payment_provider=payment_provider,
    )
    if connectors is not None:
        from switchboard.network.registry import load_file

        try:
            load_file(connectors)
        except (OSError, ValueError) as exc:
            typer.echo(f"error: --connectors: {exc}", err=True)
            raise typer.Exit(2) from None
    problem = settings.credentials_problem()
    if problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, loop="auto", http="auto", **HTTP_SERVER_OPTIONS)


def parse_rates(items: list[str]) -> dict[str, float]:
    """``KIND=RATE`` items as a dict; a rate is a positive number of segments per second."""
    rates: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = 0.0
        if not sep or not key or not rate > 0:
            raise ValueError(f"{item!r} is not KIND=RATE with a positive rate")
        rates[key.strip().lstrip("+")] = rate
    return rates


DataDir = Annotated[Path, typer.Option(help="Data dir of the embedded database.")]
DatabaseUrl = Annotated[Optional[str], typer.Option(help="SQLAlchemy URL; default: SQLite in the data dir.")]


def _with_database(data_dir: Path, database_url: Optional[str], work: Callable[[Any, Any], Awaitable[None]]) -> None:
    """Run ``work(session, clock)`` on the (migrated) database; a refusal (an unknown account, a
    bad amount) is printed as an error and exits 1."""
    from switchboard.core.clock import Clock
    from switchboard.core.db import Database
    from switchboard.core.errors import PlivoError

    settings = Settings(data_dir=data_dir, database_url=database_url)

    async def run() -> None:
        if database_url is None:
            data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
            async with db.session() as session:
                await work(session, Clock())
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except PlivoError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None


def _amount(value: str, option: str) -> Decimal:
    """A positive amount given on the command line, or exit 2 saying what is wrong with it."""
    from switchboard.billing.service import parse_amount
    from switchboard.core.errors import ValidationError

    try:
        return parse_amount(value, option)
    except ValidationError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input; "
                                                                       "without it, one is made up and printed once.")]


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The console user's password and whether Switchboard made it up (then it is printed once);
    a password read from standard input is checked here, before anything is written."""
    from switchboard.accounts.users import check_password, new_password
    from switchboard.core.errors import ValidationError

    if not from_stdin:
        return new_password(), True
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        return check_password(password), False
    except ValidationError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


def _email(value: str) -> str:
    from switchboard.accounts.users import normalized_email
    from switchboard.core.errors import ValidationError

    try:
        return normalized_email(value)
    except ValidationError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


def _echo_user(email: str, password: str, made_up: bool) -> None:
    typer.echo(f"email:    {email}")
    if made_up:
        typer.echo(f"password: {password}  (shown once: keep it now)")


@cli.command("create-account")
def create_account(
    name: Annotated[str, typer.Option(help="Account name.")] = "Switchboard",
    prepaid: Annotated[bool, typer.Option("--prepaid", help="Prepaid billing (default: postpaid, never runs out).")] = False,
    credit: Annotated[Optional[str], typer.Option(help="Credit to start with, e.g. 10 or 10.50 (USD).")] = None,
    email: Annotated[Optional[str], typer.Option(help="Also create a console user with this email, who signs in to the new account.")] = None,
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = Path("var"),
    database_url: DatabaseUrl = None,
) -> None:
    """Create another main account (a separate tenant) and print its credentials."""
    from switchboard.accounts import users
    from switchboard.accounts.service import create_main_account
    from switchboard.billing.service import add_credit, balance, money

    amount = _amount(credit, "--credit") if credit is not None else None
    address = _email(email) if email is not None else None
    password, made_up = _password(password_stdin) if address else ("", False)

    async def work(session: Any, clock: Any) -> None:
        if address:
            await users.ensure_email_free(session, address)  # before the account: nothing half made
        account = await create_main_account(session, clock, name=name, billing_mode="prepaid" if prepaid else "postpaid")
        funds = await add_credit(session, clock, account.auth_id, amount) if amount else await balance(session, account.auth_id)
        typer.echo(f"auth_id:    {account.auth_id}\nauth_token: {account.auth_token}\n"
                   f"billing_mode: {account.billing_mode}\ncash_credits: {money(funds)}")
        if address:
            await users.add_user(session, clock, address, account.auth_id, password)
            _echo_user(address, password, made_up)

    _with_database(data_dir, database_url, work)


user_cli = typer.Typer(help="Console users: an email and a password that sign in to a main account's console.",
                       no_args_is_help=True)
cli.add_typer(user_cli, name="user")


@user_cli.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The user's email (case does not matter).")],
    account: Annotated[str, typer.Option(help="The main account (MA…) the user signs in to.")],
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = Path("var"),
    database_url: DatabaseUrl = None,
) -> None:
    """Add a console user."""
    from switchboard.accounts import users

    address = _email(email)
    password, made_up = _password(password_stdin)

    async def work(session: Any, clock: Any) -> None:
        await users.add_user(session, clock, address, account, password)
        _echo_user(address, password, made_up)
        typer.echo(f"account:  {account}")

    _with_database(data_dir, database_url, work)


@user_cli.command("list")
def user_list(
    account: Annotated[Optional[str], typer.Option(help="Only the users of this main account (MA…).")] = None,
    data_dir: DataDir = Path("var"),
    database_url: DatabaseUrl = None,
) -> None:
    """List console users: email, account, when added and when they last signed in."""
    from switchboard.accounts import users

    async def work(session: Any, _clock: Any) -> None:
        found = await users.list_users(session, account)
        if not found:
            typer.echo("no console users", err=True)
            return
        width = max(len("EMAIL"), *(len(user.email) for user in found))
        typer.echo(f"{'EMAIL':<{width}}  {'ACCOUNT':<20}  {'CREATED (UTC)':<16}  LAST SIGN-IN (UTC)")
        for user in found:
            last = f"{user.last_sign_in:%Y-%m-%d %H:%M}" if user.last_sign_in else "never"
            typer.echo(f"{user.email:<{width}}  {user.auth_id:<20}  {user.created:%Y-%m-%d %H:%M}  {last}")

    _with_database(data_dir, database_url, work)


@user_cli.command("passwd")
def user_passwd(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = Path("var"),
    database_url: DatabaseUrl = None,
) -> None:
    """Give a console user a new password; its console sessions end."""
    from switchboard.accounts import users

    address = _email(email)
    password, made_up = _password(password_stdin)

    async def work(session: Any, _clock: Any) -> None:
        await users.set_password(session, address, password)
        _echo_user(address, password, made_up)

    _with_database(data_dir, database_url, work)


@user_cli.command("remove")
def user_remove(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    data_dir: DataDir = Path("var"),
    database_url: DatabaseUrl = None,
) -> None:
    """Remove a console user; its console sessions end."""
    from switchboard.accounts import users

    address = _email(email)

    async def work(session: Any, _clock: Any) -> None:
        await users.remove_user(session, address)
        typer.echo(f"removed {address}")

    _with_database(data_dir, database_url, work)


@cli.command()
def credit(
    auth_id: Annotated[str, typer.Argument(help="The main account (MA…) to credit.")],
    add: Annotated[Optional[str], typer.Option(help="Amount to add, e.g. 25.00 (USD); without it, show the balance.")] = None,
    data_dir: DataDir = Path("var"),
    database_url: DatabaseUrl = None,
) -> None:
    """Add credit to a main account (a recharge) and print its new balance."""
    from switchboard.billing.service import add_credit, balance, main_account, money

    amount = _amount(add, "--add") if add is not None else None

    async def work(session: Any, clock: Any) -> None:
        if amount is None:
            funds = await balance(session, (await main_account(session, auth_id)).auth_id)
        else:
            funds = await add_credit(session, clock, auth_id, amount)
        typer.echo(f"cash_credits: {money(funds)}")

    _with_database(data_dir, database_url, work)


coupon_cli = typer.Typer(help="Coupons: codes worth credit that an account redeems once.", no_args_is_help=True)
cli.add_typer(coupon_cli, name="coupon")


@coupon_cli.command("create")
def coupon_create(
    amount: Annotated[str, typer.Option(help="What the coupon is worth, e.g. 50 (USD).")],
    data_dir: DataDir = Path("var"),
    database_url: DatabaseUrl = None,
) -> None:
    """Issue a coupon and print its code."""
    from switchboard.billing.service import create_coupon, format_code, money

    value = _amount(amount, "--amount")

    async def work(session: Any, clock: Any) -> None:
        coupon = await create_coupon(session, clock, value)
        typer.echo(f"code:   {format_code(coupon.code)}\namount: {money(coupon.amount)}")

    _with_database(data_dir, database_url, work)


@cli.command()
def logs(
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new attempts as they happen.")] = False,
    errors: Annotated[bool, typer.Option("--errors", help="Only failed attempts.")] = False,
    account: Annotated[Optional[str], typer.Option(help="Only this main account (MA…, with its subaccounts) or subaccount (SA…).")] = None,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many recent attempts to show first.")] = 50,
    data_dir: Annotated[Path, typer.Option(help="Data dir of the embedded database.")] = Path("var"),
    database_url: Annotated[Optional[str], typer.Option(help="SQLAlchemy URL; default: SQLite in the data dir.")] = None,
) -> None:
    """Show the webhook debug log: every request made to customer URLs, with status, latency and error."""
    from switchboard.webhooks.logcli import show_logs

    if database_url is None and not (data_dir / "switchboard.db").exists():
        typer.echo(f"error: no database in {data_dir}; give --data-dir or --database-url", err=True)
        raise typer.Exit(1)
    url = Settings(data_dir=data_dir, database_url=database_url).resolved_database_url
    try:
        asyncio.run(show_logs(url, follow=follow, errors=errors, account=account, lines=lines, echo=typer.echo))
    except KeyboardInterrupt:
        pass


def main() -> None:
    cli()
