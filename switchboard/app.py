"""The ASGI application: routes of every area, Plivo-shaped errors, start-up and shut-down."""

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request, WebSocket
from sqlalchemy.engine import make_url
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from switchboard import __version__
from switchboard.accounts import application_routes, routes as account_routes
from switchboard.accounts.auth import CredentialCache
from switchboard.accounts.service import create_main_account, first_main_account
from switchboard.accounts.users import count_users
from switchboard.billing import routes as billing_routes
from switchboard.billing.balances import Balances
from switchboard.billing.payments import load_provider
from switchboard.billing.upkeep import BillingUpkeep
from switchboard.config import Settings
from switchboard.console import routes as console
from switchboard.core.collector import freeze_startup_heap
from switchboard.core.clock import Clock, VirtualClock
from switchboard.core.db import Database
from switchboard.core.errors import PlivoError
from switchboard.core.params import describe
from switchboard.core.responses import JSONResponse, plivo_response
from switchboard.core.server_key import derived_key
from switchboard.core.throttle import FailureThrottle
from switchboard.network.sim import call_routes as sim_call_routes, routes as sim_routes
from switchboard.network.sim.calls import SimNetwork
from switchboard.network.sim.phones import PhoneBook
from switchboard.network.sip.runtime import start_sip, stop_sip
from switchboard.endpoints import routes as endpoint_routes
from switchboard.endpoints import token_routes
from switchboard.network.sip import websocket as sip_websocket
from switchboard.lookup import routes as lookup_routes
from switchboard.messaging import routes as message_routes, settings_routes as messaging_settings_routes
from switchboard.messaging import connector_routes
from switchboard.messaging.runtime import build_messaging
from switchboard.network.http_carrier import routes as carrier_webhook_routes
from switchboard.network.sim import sms_routes as sim_sms_routes
from switchboard.numbers import carrier_routes, routes as number_routes
from switchboard.pricing import routes as pricing_routes
from switchboard.webhooks import routes as webhook_routes
from switchboard.webhooks.runtime import build_webhooks
from switchboard.voice import live_routes as call_live_routes, routes as call_routes
from switchboard.voice.conference import routes as conference_routes
from switchboard.voice.engine import VoiceEngine
from switchboard.voice.recording import routes as recording_routes
from switchboard.voice.stream import routes as stream_routes
from switchboard.voice.recording.runtime import build_recordings

log = logging.getLogger("switchboard")


_REPEATED_SLASHES = re.compile(r"/{2,}")
_REPEATED_SLASHES_RAW = re.compile(rb"/{2,}")


class PlivoPaths:
    """Spellings of a path that Plivo serves as the canonical one, without a redirect (which would
    turn the SDK's POST into a GET): repeated slashes count as one (the Node SDK asks for
    ``/v1/Account/{auth_id}//``), and an API path without its final ``/`` is served as if it had it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path = _REPEATED_SLASHES.sub("/", scope["path"])
            raw_path = scope.get("raw_path")
            if raw_path:
                raw_path = _REPEATED_SLASHES_RAW.sub(b"/", raw_path)
            if path.startswith("/v1/") and not path.endswith("/"):
                path += "/"
                if raw_path:
                    raw_path += b"/"
            if path != scope["path"] or raw_path != scope.get("raw_path"):
                scope = dict(scope, path=path)
                if raw_path:
                    scope["raw_path"] = raw_path
        await self.app(scope, receive, send)


class RejectNul:
    """A NUL character in a path or query string is refused up front (400): no resource name can
    hold one, and PostgreSQL cannot even compare against it. Bodies are checked by ``Params``."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").lower()
            if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
                response = plivo_response({"error": "the URL contains a NUL character (%00)"}, 400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def bootstrap_main_account(app: FastAPI) -> None:
    """Create the main account on an empty database and print the credentials in use."""
    settings: Settings = app.state.settings
    async with app.state.db.session() as session:
        account = await first_main_account(session)
        if account is None:
            account = await create_main_account(
                session, app.state.clock, auth_id=settings.auth_id, auth_token=settings.auth_token
            )
            log.info("created main account %s", account.auth_id)
        elif settings.auth_id and settings.auth_id != account.auth_id:
            log.warning("SWITCHBOARD_AUTH_ID=%s ignored: this database's main account is %s", settings.auth_id, account.auth_id)
        console_users = await count_users(session, account.auth_id)
    app.state.main_auth_id = account.auth_id
    base = settings.resolved_public_url
    print(f"Switchboard {__version__} on {base} ({app.state.db.backend})", flush=True)
    print(f"  API base:   {base}/v1/Account/{account.auth_id}/", flush=True)
    print(f"  auth_id:    {account.auth_id}", flush=True)
    print(f"  auth_token: {account.auth_token}", flush=True)
    print(f"  console:    {console_url(settings)} (sign in with this auth_id and auth_token)", flush=True)
    if not console_users:
        where = _database_option(settings)
        print(f"  console users (email and password): none yet; add one with "
              f"`switchboard user add EMAIL --account {account.auth_id}{where}`", flush=True)


def _database_option(settings: Settings) -> str:
    """The option a command needs to reach this server's database (its password shown as ***)."""
    if settings.database_url:
        return f" --database-url {make_url(settings.database_url).render_as_string(hide_password=True)}"
    return "" if settings.data_dir == Path("var") else f" --data-dir {settings.data_dir}"


def console_url(settings: Settings) -> str:
    """Where a browser on this machine opens the console: the public URL, or loopback when the
    server listens on every address (a browser cannot open 0.0.0.0 everywhere)."""
    if settings.public_url is None and settings.host in ("0.0.0.0", "::", ""):
        return f"http://127.0.0.1:{settings.port}/"
    return f"{settings.resolved_public_url}/"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url, settings.sqlite_busy_timeout)
    await db.migrate()
    app.state.db = db
    app.state.credentials = CredentialCache(db.sessionmaker, ttl=settings.credential_cache_seconds)
    app.state.balances = Balances()
    await bootstrap_main_account(app)
    app.state.webhooks = build_webhooks(app)
    await app.state.webhooks.start()
    app.state.messaging = build_messaging(app)
    await app.state.messaging.start()
    await app.state.clock.start()
    network = await start_sip(app, app.state.sim_network) or app.state.sim_network
    app.state.voice = VoiceEngine(db.sessionmaker, app.state.clock, app.state.webhooks, network,
                                  app.state.credentials, messaging=lambda: getattr(app.state, "messaging", None),
                                  outbound_cps=settings.outbound_cps, balances=app.state.balances)
    app.state.voice.recordings = build_recordings(app)
    app.state.payment_provider = load_provider(settings.payment_provider, settings)
    app.state.billing = BillingUpkeep(db.sessionmaker, app.state.clock, app.state.payment_provider,
                                      settings.billing_upkeep_seconds)
    app.state.billing.start()
    freeze_startup_heap()
    try:
        yield
    finally:
        await app.state.billing.stop()
        await app.state.voice.stop()
        await stop_sip(app)
        await app.state.voice.recordings.stop()
        await app.state.clock.stop()
        await app.state.messaging.stop()
        await app.state.webhooks.stop()
        await db.dispose()


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods - {"HEAD"})


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlivoError)
    async def plivo_error(_request: Request, exc: PlivoError) -> JSONResponse:
        return plivo_response({"error": exc.message}, exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return plivo_response({"error": describe(exc.errors())}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(app, request))
            message = f"method {request.method} is not allowed on {request.url.path}; use {headers['Allow']}"
        elif exc.status_code == 404:
            message = f"no such resource: {request.url.path}"
        else:
            message = str(exc.detail)
        return plivo_response({"error": message}, exc.status_code, headers=headers)

    @app.exception_handler(sqlalchemy.exc.DataError)
    async def unstorable_value(request: Request, exc: sqlalchemy.exc.DataError) -> JSONResponse:
        """The database refused a value the request carried (a number beyond its integer range, a
        string it cannot store). Parameter models should bound such values; this is the net under
        them, because a 5xx would make the SDK repeat a voice request."""
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        return plivo_response({"error": "a parameter value is out of the range the server can store"}, 400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return plivo_response({"error": "internal error; the server log has the details"}, 500)


async def _signalling(websocket: WebSocket) -> None:
    """SIP over WebSocket for browser phones, at Plivo's path (``network/sip/websocket.py``)."""
    await sip_websocket.serve(websocket, getattr(websocket.app.state, "sip", None))


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Switchboard — Plivo-compatible API",
        version=__version__,
        description=(
            "The Plivo REST API as served by Switchboard. Authenticate with HTTP Basic "
            "(auth_id:auth_token). Request bodies are JSON objects (also on DELETE); form-encoded and "
            "multipart bodies with the same keys are accepted too. Values may be loosely typed as the "
            "SDKs send them (`\"true\"`, `1`, `\"20\"`); `null` means \"not given\". Unknown keys are "
            "ignored. Paths end in `/` (a missing slash is tolerated)."
        ),
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
        redirect_slashes=False,
        default_response_class=JSONResponse,
    )
    app.state.settings = settings
    app.state.access_token_key = derived_key(settings, "access-token")
    app.state.clock = clock or (VirtualClock() if settings.clock == "virtual" else Clock())
    app.state.auth_throttle = FailureThrottle(settings.auth_failure_limit, settings.auth_failure_window)
    app.state.phone_book = PhoneBook(app.state.clock)
    app.state.sim_network = SimNetwork(app.state.clock, app.state.phone_book)
    _install_error_handlers(app)
    app.include_router(account_routes.router)
    app.include_router(application_routes.router)
    app.include_router(sim_routes.router)
    app.include_router(sim_call_routes.router)
    app.include_router(call_routes.router)
    app.include_router(call_live_routes.router)
    app.include_router(conference_routes.router)
    app.include_router(recording_routes.router)
    app.include_router(stream_routes.router)
    app.include_router(number_routes.router)
    app.include_router(carrier_routes.router)
    app.include_router(endpoint_routes.router)
    app.include_router(token_routes.router)
    app.add_api_websocket_route("/signalling", _signalling)
    app.include_router(pricing_routes.router)
    app.include_router(billing_routes.router)
    app.include_router(lookup_routes.router)
    app.include_router(webhook_routes.router)
    app.include_router(message_routes.router)
    app.include_router(message_routes.public)
    app.include_router(messaging_settings_routes.router)
    app.include_router(sim_sms_routes.router)
    app.include_router(connector_routes.router)
    app.include_router(carrier_webhook_routes.router)
    console.install(app)
    app.add_middleware(PlivoPaths)
    app.add_middleware(RejectNul)
    _declare_basic_auth(app)
    return app


def _declare_basic_auth(app: FastAPI) -> None:
    """Routes authenticate through a plain dependency (for Plivo-shaped 401s); tell the OpenAPI
    description that every ``/v1/`` and ``/_sim/`` operation needs HTTP Basic."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {})["securitySchemes"] = {
            "basicAuth": {"type": "http", "scheme": "basic", "description": "auth_id as user, auth_token as password"}
        }
        for path, operations in schema.get("paths", {}).items():
            if path.startswith(("/v1/", "/_sim/")):
                for operation in operations.values():
                    operation["security"] = [{"basicAuth": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
