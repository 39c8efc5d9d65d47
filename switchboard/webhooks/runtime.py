"""Building the webhook service of a running server from its settings."""

from typing import Any

from switchboard.webhooks.config import WebhookConfig
from switchboard.webhooks.service import Webhooks


def build_webhooks(app: Any) -> Webhooks:
    """The :class:`Webhooks` for ``app`` (call ``start()`` on it); uses the app's database, clock and
    credential cache, and the ``webhook_*`` settings."""
    settings = app.state.settings
    config = WebhookConfig(
        host_limit=settings.webhook_host_concurrency,
        log_retention_hours=settings.webhook_log_retention_hours,
        ca_file=settings.webhook_ca_file,
    )
    db = app.state.db
    return Webhooks(db.sessionmaker, app.state.clock, app.state.credentials, config, single_node=db.backend == "sqlite")
