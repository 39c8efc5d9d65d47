"""Plivo-shaped errors.

Every client mistake becomes one of these and is answered as ``{"api_id", "error"}`` with the
status Plivo uses. The official SDK maps 400 to ValidationError, 401 to AuthenticationError,
403 to ForbiddenError, 404 to ResourceNotFoundError, 405/409/422 to InvalidRequestError.
"""


class PlivoError(Exception):
    status_code: int = 400

    def __init__(self, message: str, *, status_code: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.headers = headers or {}


class ValidationError(PlivoError):
    status_code = 400


class AuthenticationError(PlivoError):
    status_code = 401


class ForbiddenError(PlivoError):
    status_code = 403


class NotFoundError(PlivoError):
    status_code = 404


class MethodNotAllowedError(PlivoError):
    status_code = 405


class ConflictError(PlivoError):
    status_code = 409


class TooManyRequestsError(PlivoError):
    status_code = 429
