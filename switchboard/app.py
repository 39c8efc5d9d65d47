"""The ASGI application: routes of every area, Plivo-shaped errors, start-up and shut-down."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from switchboard import __version__
from switchboard.accounts import application_routes, routes as account_routes
from switchboard.accounts.auth import CredentialCache
from switchboard.accounts.service import create_main_account, first_main_account
from switchboard.config import Settings
from switchboard.core.clock import Clock
from switchboard.core.db import Database
from switchboard.core.errors import PlivoError
from switchboard.core.params import describe
from switchboard.core.responses import JSONResponse, plivo_response
from switchboard.core.throttle import FailureThrottle
from switchboard.endpoints import routes as endpoint_routes
from switchboard.lookup import routes as lookup_routes
from switchboard.numbers import carrier_routes, routes as number_routes
from switchboard.pricing import routes as pricing_routes

log = logging.getLogger("switchboard")


class TrailingSlash:
    """Plivo's paths end in ``/``; requests without it are served as if they had it (no redirect,
    which would turn the SDK's POST into a GET)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/") and not scope["path"].endswith("/"):
            scope = dict(scope)
            scope["path"] += "/"
            if scope.get("raw_path"):
                scope["raw_path"] += b"/"
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
    app.state.main_auth_id = account.auth_id
    base = settings.resolved_public_url
    print(f"Switchboard {__version__} on {base} ({app.state.db.backend})", flush=True)
    print(f"  API base:   {base}/v1/Account/{account.auth_id}/", flush=True)
    print(f"  auth_id:    {account.auth_id}", flush=True)
    print(f"  auth_token: {account.auth_token}", flush=True)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    await db.migrate()
    app.state.db = db
    app.state.credentials = CredentialCache(db.sessionmaker, ttl=settings.credential_cache_seconds)
    await bootstrap_main_account(app)
    try:
        yield
    finally:
        await db.dispose()


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlivoError)
    async def plivo_error(_request: Request, exc: PlivoError) -> JSONResponse:
        return plivo_response({"error": exc.message}, exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for item in exc.errors():
            loc = [str(part) for part in item.get("loc", ()) if part not in ("query", "body", "path")]
            field = ".".join(loc) or "request"
            problems.append(f"{field} is required" if item.get("type") == "missing" else f"{field}: {item.get('msg')}")
        return plivo_response({"error": "; ".join(problems)}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {
            404: f"no such resource: {request.url.path}",
            405: f"method {request.method} is not allowed on {request.url.path}",
        }
        message = messages.get(exc.status_code, str(exc.detail))
        return plivo_response({"error": message}, exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return plivo_response({"error": "internal error; the server log has the details"}, 500)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Switchboard — Plivo-compatible API",
        version=__version__,
        description=(
            "The Plivo REST API as served by Switchboard. Authenticate with HTTP Basic "
            "(auth_id:auth_token). Bodies may be JSON or form-encoded; paths end in `/`."
        ),
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
        redirect_slashes=False,
        default_response_class=JSONResponse,
    )
    app.state.settings = settings
    app.state.clock = clock or Clock()
    app.state.auth_throttle = FailureThrottle(settings.auth_failure_limit, settings.auth_failure_window)
    _install_error_handlers(app)
    app.include_router(account_routes.router)
    app.include_router(application_routes.router)
    app.include_router(number_routes.router)
    app.include_router(carrier_routes.router)
    app.include_router(endpoint_routes.router)
    app.include_router(pricing_routes.router)
    app.include_router(lookup_routes.router)
    app.add_middleware(TrailingSlash)
    _declare_basic_auth(app)
    return app


def _declare_basic_auth(app: FastAPI) -> None:
    """Routes authenticate through a plain dependency (for Plivo-shaped 401s); tell the OpenAPI
    description that every ``/v1/Account/`` operation needs HTTP Basic."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {})["securitySchemes"] = {
            "basicAuth": {"type": "http", "scheme": "basic", "description": "auth_id as user, auth_token as password"}
        }
        for path, operations in schema.get("paths", {}).items():
            if path.startswith("/v1/Account/"):
                for operation in operations.values():
                    operation["security"] = [{"basicAuth": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
