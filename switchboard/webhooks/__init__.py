"""Webhooks: every HTTP request Switchboard makes to a customer application, signed, logged,
and for event notifications durable. See ``docs/webhooks.md``.

The voice engine and messaging use the service the app holds as ``app.state.webhooks``::

    result = await webhooks.fetch(answer_url, params, account=auth_id, method="POST",
                                  fallback_url=fallback_url, fallback_method="POST")
    await webhooks.notify(hangup_url, params, account=auth_id, method="POST", event="hangup")

A notification that must commit with the caller's own state change goes into the caller's
transaction with ``enqueue(session, [notification_row(...)])``, then ``webhooks.wake()``.
"""

from switchboard.webhooks.config import WebhookConfig
from switchboard.webhooks.enqueue import enqueue, notification_row
from switchboard.webhooks.service import FetchResult, Webhooks
from switchboard.webhooks.transport import Failure
from switchboard.webhooks.urls import resolve_url
from switchboard.webhooks.validation import expect_plivo_xml

__all__ = ["FetchResult", "Failure", "WebhookConfig", "Webhooks", "enqueue", "expect_plivo_xml", "notification_row", "resolve_url"]
