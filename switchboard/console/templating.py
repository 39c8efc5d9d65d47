"""Jinja2 templates, each beside the routes that render it (``overview/overview.html``, ...)."""

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

HTMX = "htmx-2.0.11.min.js"

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)
templates = Jinja2Templates(env=_environment)


def csrf_token(request: Request) -> str:
    """The token a console form must send back (``csrftoken`` field or ``x-csrftoken`` header)."""
    return request.scope["csrftoken"]()


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    context = {"csrf_token": csrf_token(request), "htmx": HTMX, "nav": None, "who": None,
               "signed_in_as": getattr(request.state, "console_email", None), **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)
