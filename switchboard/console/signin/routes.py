"""Sign-in (a console user's email and password, or an account's Auth ID and Auth Token) and sign-out."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts.auth import check_console_user, check_credentials
from switchboard.console.session import end_session, start_session, start_user_session
from switchboard.console.templating import render
from switchboard.core.errors import AuthenticationError, TooManyRequestsError
from switchboard.core.http import Session

router = APIRouter(include_in_schema=False)


def _form(request: Request, status_code: int = 200, **context: Any) -> Response:
    return render(request, "signin/signin.html", {"auth_id": "", "email": "", "error": None, "way": None, **context},
                  status_code=status_code)


@router.get("/login", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    return _form(request)


@router.post("/login", response_class=HTMLResponse)
async def sign_in(request: Request, session: Session) -> Response:
    """Either way in is checked by the API's authentication module, under the throttle of its
    HTTP Basic auth; the form with an ``email`` field is the console user's."""
    form = await request.form()
    by_email = "email" in form
    email = str(form.get("email", "")).strip()
    auth_id = str(form.get("auth_id", "")).strip()
    try:
        if by_email:
            _account, user = await check_console_user(request, session, email, str(form.get("password", "")))
            start_user_session(request, user)
        else:
            account = await check_credentials(request, auth_id, str(form.get("auth_token", "")))
            start_session(request, account)
    except (AuthenticationError, TooManyRequestsError) as exc:
        response = _form(request, exc.status_code, email=email, auth_id=auth_id, error=exc.message,
                         way="email" if by_email else "token")
        response.headers.update(exc.headers)
        return response
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
async def sign_out(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/login", status_code=303)
