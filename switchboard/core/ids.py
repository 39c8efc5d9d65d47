"""Identifiers in the formats Plivo uses."""

import re
import secrets
import string
import uuid

_UPPER_ALNUM = string.ascii_uppercase + string.digits
_ALNUM = string.ascii_letters + string.digits

MAIN_AUTH_ID = re.compile(r"^MA[A-Z0-9]{18}$")
SUB_AUTH_ID = re.compile(r"^SA[A-Z0-9]{18}$")


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_auth_id(prefix: str) -> str:
    """A 20-character auth id: ``MA`` (main account) or ``SA`` (subaccount) and 18 upper-case letters/digits."""
    return prefix + _random(_UPPER_ALNUM, 18)


def new_auth_token() -> str:
    return _random(_ALNUM, 40)


def new_api_id() -> str:
    return str(uuid.uuid4())


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_numeric_id(digits: int = 17) -> str:
    """Numeric ids such as app_id and endpoint_id; never starts with 0."""
    return str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))


def main_credentials_problem(auth_id: str | None, auth_token: str | None) -> str | None:
    """Why a chosen main-account auth id or token cannot be used, or None when they can."""
    if auth_id is not None and not MAIN_AUTH_ID.match(auth_id):
        return f"a main account auth id is MA followed by 18 upper-case letters or digits, not {auth_id!r}"
    if auth_token is not None and not 8 <= len(auth_token) <= 40:
        return "an auth token is 8 to 40 characters long"
    return None
