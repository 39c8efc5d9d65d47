"""The node's server-side secret, shared by every node of a deployment.

``SWITCHBOARD_SECRET_KEY`` when set (set it on every node: cookies and access tokens made by
one node must be accepted by the others), else a key made on first use and kept in the data
directory (enough for one node, or nodes sharing a data directory). Each use gets its own key
derived from the secret (:func:`derived_key`), so a console cookie key never signs a token.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from switchboard.config import Settings

SECRET_ENV = "SWITCHBOARD_SECRET_KEY"
SECRET_FILE = "console-secret"


def server_secret(settings: Settings) -> str:
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def derived_key(settings: Settings, purpose: str) -> bytes:
    """A key for one purpose (``"access-token"``), derived from :func:`server_secret`."""
    return hmac.new(server_secret(settings).encode(), f"switchboard/{purpose}".encode(), hashlib.sha256).digest()
