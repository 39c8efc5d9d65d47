"""Sign-in with an account's Auth ID and Auth Token, and sign-out."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from switchboard.accounts.auth import check_credentials
from switchboard.console.session import end_session, start_session
from switchboard.console.templating import render
from switchboard.core.errors import AuthenticationError, TooManyRequestsError

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    return render(request, "signin/signin.html", {"auth_id": "", "error": None})


@router.post("/login", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    """Checked by the same function as the API's HTTP Basic auth, with the same throttle."""
    form = await request.form()
    auth_id = str(form.get("auth_id", "")).strip()
    token = str(form.get("auth_token", ""))
    try:
        account = await check_credentials(request, auth_id, token)
    except (AuthenticationError, TooManyRequestsError) as exc:
        context = {"auth_id": auth_id, "error": exc.message}
        response = render(request, "signin/signin.html", context, status_code=exc.status_code)
        response.headers.update(exc.headers)
        return response
    start_session(request, account)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
async def sign_out(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/login", status_code=303)
