"""The Simulator page's forms read into the ``/_sim/`` API's own models (``SimCall``, ``SimMessage``,
``ClockAdvance``), so every rule and message is the API's; errors are keyed by the form's fields.

A call's script is edited as rows of (step, value): ``wait`` seconds, ``say`` text, ``press``
digits, ``hangup``. Rows are added and removed by submit buttons (``add_step``, ``remove_step=<row>``; not ``remove``, which would hide the form element's own ``remove()``), so
the form works without JavaScript; htmx swaps just the form when it is there."""

from dataclasses import dataclass, field
from typing import Any

import pydantic
from starlette.datastructures import FormData

from switchboard.console.applications.form import validate
from switchboard.core.params import describe
from switchboard.network.sim.control import ClockAdvance, SimCall, SimMessage
from switchboard.network.sim.phones import CallStep, Hangup, Press, Say, Wait

STEPS = {"wait": ("Wait (seconds)", Wait), "say": ("Say (text)", Say), "press": ("Press (digits)", Press),
         "hangup": ("Hang up", Hangup)}
PLACEHOLDERS = {"wait": "seconds, e.g. 2", "say": "words the phone speaks", "press": "keys, e.g. 1 or 123#",
                "hangup": "(no value)"}
MAX_STEPS = 50
DEFAULT_SCRIPT = [("wait", "2"), ("press", "1"), ("wait", "5"), ("hangup", "")]
CLOCK_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600}


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


@dataclass
class CallForm:
    from_: str = ""
    to: str = ""
    caller_name: str = ""
    steps: list[tuple[str, str]] = field(default_factory=lambda: list(DEFAULT_SCRIPT))
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, form: FormData) -> "CallForm":
        kinds = [kind if isinstance(kind, str) else "" for kind in form.getlist("step")]
        values = [value if isinstance(value, str) else "" for value in form.getlist("value")]
        steps = list(zip(kinds, values + [""] * (len(kinds) - len(values)), strict=True))[:MAX_STEPS]
        return cls(_text(form, "from"), _text(form, "to"), _text(form, "caller_name"), steps)

    def edit(self, form: FormData) -> bool:
        """Apply an Add Step / Remove button; True when the form was only edited."""
        remove = form.get("remove_step")
        if isinstance(remove, str) and remove.isdigit():
            if int(remove) < len(self.steps):
                del self.steps[int(remove)]
            return True
        if form.get("add_step") is not None:
            if len(self.steps) < MAX_STEPS:
                self.steps.append(("wait", "1"))
            return True
        return False

    def script(self) -> list[CallStep] | None:
        """The steps as the API's models; None (and an error beside each bad row) when one is wrong."""
        script: list[CallStep] = []
        for row, (kind, value) in enumerate(self.steps):
            if kind not in STEPS:
                self.errors[f"step-{row}"] = f"script: unknown step {kind!r}"
                continue
            data: dict[str, Any] = {kind: True} if kind == "hangup" else {kind: value}
            try:
                script.append(STEPS[kind][1].model_validate(data))
            except pydantic.ValidationError as exc:
                self.errors[f"step-{row}"] = describe(exc.errors(include_url=False))
        return script if len(script) == len(self.steps) else None

    def model(self, script: list[CallStep]) -> SimCall | None:
        params, errors = validate(SimCall, {"from": self.from_, "to": self.to, "caller_name": self.caller_name,
                                            "script": [step.model_dump(exclude_unset=True) for step in script]})
        for name, message in errors.items():
            self.errors.setdefault(name, message)  # a message already there (From's) is the plainer one
        return params if isinstance(params, SimCall) else None


@dataclass
class MessageForm:
    from_: str = ""
    to: str = ""
    text: str = ""
    media_url: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, form: FormData) -> "MessageForm":
        value = form.get("text", "")
        return cls(_text(form, "from"), _text(form, "to"), value if isinstance(value, str) else "",
                   _text(form, "media_url"))

    def model(self) -> SimMessage | None:
        data = {"from": self.from_, "to": self.to, "text": self.text,
                "media_urls": [self.media_url] if self.media_url else []}
        params, errors = validate(SimMessage, data)
        for name, message in errors.items():  # media_urls.0 is the one Media URL field; "" is about the text
            self.errors[{"media_urls": "media_url", "": "text"}.get(name, name)] = message
        return params if isinstance(params, SimMessage) else None


def clock_advance(form: FormData) -> tuple[ClockAdvance | None, str]:
    """The amount and unit of the clock form as the API's ``seconds``; or the error."""
    amount, unit = _text(form, "amount"), _text(form, "unit")
    try:
        seconds = float(amount) * CLOCK_UNITS.get(unit, 1)
    except ValueError:
        return None, f"seconds: {amount!r} is not a number"
    params, errors = validate(ClockAdvance, {"seconds": seconds})
    return (params if isinstance(params, ClockAdvance) else None), "; ".join(errors.values())
