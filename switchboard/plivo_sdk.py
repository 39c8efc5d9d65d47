"""Point the official, unmodified ``plivo`` Python SDK at a Switchboard server.

The SDK has no host setting: its base URLs are module globals, read when a client is created
(multipart uploads, PHLO) or on each request (everything else). :func:`point_plivo_at` rewrites
all of them, so call it before creating clients::

    from switchboard.plivo_sdk import plivo_client
    client = plivo_client("http://127.0.0.1:8080", "MA…", "token")
    client.account.get()

``plivo`` is not a dependency of the server; install it in the application that uses it.
"""

from typing import Any

_ACCOUNT_BASES = ("PLIVO_API_BASE_URI", "API_VOICE_BASE_URI", "API_VOICE_BASE_URI_FALLBACK_1", "API_VOICE_BASE_URI_FALLBACK_2")


def point_plivo_at(base_url: str) -> None:
    """Make every client created afterwards talk to ``base_url`` (e.g. ``http://127.0.0.1:8080``)."""
    import plivo.resources.lookup as lookup
    import plivo.rest.client as rest
    import plivo.rest.phlo_client as phlo

    base = base_url.rstrip("/")
    for name in _ACCOUNT_BASES:
        setattr(rest, name, f"{base}/v1/Account")
    rest.CALLINSIGHTS_BASE_URL = base
    lookup.LOOKUP_API_ENDPOINT = f"{base}/v1/Number"
    phlo.PHLO_API_BASE_URI = f"{base}/v1"


def plivo_client(base_url: str, auth_id: str, auth_token: str, **kwargs: Any) -> Any:
    """A ``plivo.RestClient`` for ``base_url``; extra keyword arguments go to the client."""
    import plivo

    point_plivo_at(base_url)
    return plivo.RestClient(auth_id, auth_token, **kwargs)
