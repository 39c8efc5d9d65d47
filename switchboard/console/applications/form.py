"""The XML application form: Plivo's labels, and the API's own validation split per field.

The form is read into the same parameter models the REST routes read (``ApplicationCreate``,
``ApplicationUpdate``), so every rule and every message is the API's; only their placement
differs: each message is shown beside the field it names.
"""

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from switchboard.accounts.models import Application
from switchboard.console.pages import validate
from switchboard.core.errors import PlivoError

__all__ = ["FIELDS", "Field", "placed", "submitted", "validate", "values_of"]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # "text", "url", "method", "bool"
    hint: str = ""


FIELDS = (
    Field("app_name", "Application Name", "text"),
    Field("answer_url", "Answer URL", "url", "Called when a call to this application is answered; returns Plivo XML."),
    Field("answer_method", "Answer Method", "method"),
    Field("fallback_answer_url", "Fallback Answer URL", "url", "Called when the Answer URL fails."),
    Field("fallback_method", "Fallback Method", "method"),
    Field("hangup_url", "Hangup URL", "url", "Told when the call ends."),
    Field("hangup_method", "Hangup Method", "method"),
    Field("message_url", "Message URL", "url", "Called when a message arrives on a number of this application."),
    Field("message_method", "Message Method", "method"),
    Field("default_number_app", "Default Number App", "bool", "Used by numbers that have no application."),
    Field("default_endpoint_app", "Default Endpoint App", "bool", "Used by endpoints that have no application."),
    Field("log_incoming_messages", "Log Incoming Messages", "bool", "Keep the text of incoming messages in the logs."),
    Field("public_uri", "Public URI", "bool", "Let any SIP caller reach the application's SIP URI."),
    Field("subaccount", "Sub Account", "text", "Auth ID of the subaccount this application belongs to; empty for the main account."),
)
_BOOLS = [field.name for field in FIELDS if field.kind == "bool"]


def values_of(app: Application | None) -> dict[str, Any]:
    """What the form shows: an application's values, or the API's defaults for a new one."""
    if app is None:
        defaults = {"answer_method": "POST", "hangup_method": "POST", "fallback_method": "POST",
                    "message_method": "POST", "log_incoming_messages": True}
        return {field.name: defaults.get(field.name, False if field.kind == "bool" else "") for field in FIELDS}
    values = {field.name: getattr(app, field.name) for field in FIELDS if field.name != "subaccount"}
    return {**values, "subaccount": app.sub_account_id or ""}


def submitted(form: FormData, *, with_subaccount: bool) -> dict[str, Any]:
    """The posted form as API parameters: every field given (an unticked box is ``false``)."""
    values: dict[str, Any] = {}
    for field in FIELDS:
        if field.name == "subaccount" and not with_subaccount:
            continue
        if field.kind == "bool":
            values[field.name] = "true" if form.get(field.name) else "false"
        else:
            value = form.get(field.name, "")
            values[field.name] = value if isinstance(value, str) else ""
    return values


def placed(error: PlivoError) -> dict[str, str]:
    """A service's error under the field its message names (``"subaccount: ..."``), else the form's."""
    name = error.message.split(":", 1)[0]
    return {name if any(field.name == name for field in FIELDS) else "": error.message}
