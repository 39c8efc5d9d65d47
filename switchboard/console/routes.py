"""Mounting the console on the application: its pages, static files and request layers."""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from switchboard.console.applications import routes as application_pages
from switchboard.console.buy_numbers import routes as buy_number_pages
from switchboard.console.calls import routes as call_pages
from switchboard.console.carriers import routes as carrier_pages
from switchboard.console.endpoints import routes as endpoint_pages
from switchboard.console.logs.calls import routes as call_logs
from switchboard.console.logs.debug import routes as debug_logs
from switchboard.console.logs.messages import routes as message_logs
from switchboard.console.logs.recordings import routes as recording_logs
from switchboard.console.messaging import routes as messaging_pages
from switchboard.console.numbers import routes as number_pages
from switchboard.console.overview import routes as overview_pages
from switchboard.console.pages import PageError
from switchboard.console.payments import routes as payment_pages
from switchboard.console.security import ConsoleGate
from switchboard.console.session import SignInRequired
from switchboard.console.signin import routes as signin_pages
from switchboard.console.simulator import routes as simulator_pages
from switchboard.console.subaccounts import routes as subaccount_pages
from switchboard.console.templating import render

STATIC = "/static"

_PAGES = (signin_pages.router, overview_pages.router, application_pages.router, call_pages.router,
          messaging_pages.router, *payment_pages.ROUTERS,
          buy_number_pages.router, number_pages.router,  # buy before /numbers/{number}
          endpoint_pages.router, carrier_pages.router, subaccount_pages.router, simulator_pages.router,
          call_logs.router, message_logs.router, recording_logs.router, debug_logs.router)

# The first path segments the console owns ("" is the overview at "/"); every other path is the API's.
_SEGMENTS = frozenset({route.path.split("/")[1] for pages in _PAGES for route in pages.routes}  # type: ignore[attr-defined]
                      | {STATIC.strip("/")})


def is_console_path(path: str) -> bool:
    return path.split("/")[1] in _SEGMENTS if path.startswith("/") else False


def install(app: FastAPI) -> None:
    for pages in _PAGES:
        app.include_router(pages)
    app.mount(STATIC, StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")
    app.add_middleware(ConsoleGate, settings=app.state.settings, is_console_path=is_console_path)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(_request: Request, _exc: SignInRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        return render(request, "layout/error.html", {"status": exc.status, "message": exc.message},
                      status_code=exc.status)
