"""Console forms read into the API's own parameter models, so every rule and message is the API's.

A page lists its :class:`Field` s (Plivo's label for each API parameter); :func:`submitted`
turns the posted form into API parameters, :func:`validate` parses them with the route's model
and :func:`placed` puts a service's error beside the field its message names. The macro in
``layout/fields.html`` draws a field with its label, value and error.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
from starlette.datastructures import FormData

from switchboard.core.errors import PlivoError
from switchboard.core.params import Params, describe


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # "text", "url", "method", "bool", "password", "number", "select"
    hint: str = ""


def submitted(form: FormData, fields: Iterable[Field]) -> dict[str, Any]:
    """The posted form as API parameters: every field given (an unticked box is ``false``)."""
    values: dict[str, Any] = {}
    for field in fields:
        if field.kind == "bool":
            values[field.name] = "true" if form.get(field.name) else "false"
        else:
            value = form.get(field.name, "")
            values[field.name] = value if isinstance(value, str) else ""
    return values


def given(values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields that were filled in (an empty search box is no filter)."""
    return {name: value for name, value in values.items() if value not in ("", None)}


def validate(model: type[Params], values: dict[str, Any]) -> tuple[Params | None, dict[str, str]]:
    """The parsed model, or the API's messages keyed by the field they name."""
    try:
        return model.model_validate(values), {}
    except pydantic.ValidationError as exc:
        errors: dict[str, str] = {}
        for item in exc.errors(include_url=False):
            name = str(item["loc"][0]) if item.get("loc") else ""
            errors.setdefault(name, describe([item]))
        return None, errors


def placed(error: PlivoError, names: Iterable[str]) -> dict[str, str]:
    """A service's error under the field its message names (``"app_id: ..."``), else the form's."""
    name = error.message.split(":", 1)[0]
    return {name if name in set(names) else "": error.message}
