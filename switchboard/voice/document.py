"""Parsing and validating a Plivo XML document as a whole, before any of it runs.

:func:`parse` returns the tree of :class:`Node` with every attribute converted and its default
filled in, or raises :class:`InvalidXml` saying precisely what is wrong (which the engine turns
into Plivo's 8011–8014 hangup and a debug-log entry). Nothing half-runs.

Every URL in the document — each attribute and body the element tables declare with
:class:`~switchboard.voice.elements.Url` — comes out absolute, resolved against the URL the
document came from. This is the one place relative URLs are resolved: element handlers use the
values as they are.
"""

import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from switchboard.voice.elements import SPECS, SSML_TAGS, AttributeError_, Url

MAX_BYTES = 100 * 1024
_BREAK_TIME = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s)\s*$")
_BREAK_STRENGTH = {"none": 0.0, "x-weak": 0.1, "weak": 0.25, "medium": 0.4, "strong": 0.7, "x-strong": 1.0}


class InvalidXml(ValueError):
    """The document cannot run; the message is for the customer's debug log."""


@dataclass
class Node:
    name: str
    attrs: dict[str, Any]
    text: str = ""
    children: list["Node"] = field(default_factory=list)
    pause_seconds: float = 0.0  # Speak: total of SSML <break> times
    ssml: bool = False

    def __getitem__(self, key: str) -> Any:
        return self.attrs[key]


def parse(body: bytes | str, *, base_url: str | None) -> list[Node]:
    """The elements under ``<Response>``, validated, with every URL resolved against ``base_url``
    (the URL the document was fetched from; ``None``: validate only, URLs left as written)."""
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > MAX_BYTES:
        raise InvalidXml(f"the document is {len(raw)} bytes; Plivo XML may be at most {MAX_BYTES}")
    if not raw.strip():
        raise InvalidXml("empty document")
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise InvalidXml("a DOCTYPE or ENTITY declaration is not allowed in Plivo XML")
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        raise InvalidXml(f"not well-formed XML: {exc}") from None
    if root.tag != "Response":
        raise InvalidXml(f"the root element is <{root.tag}>, not <Response>")
    return _node(root, None, base_url).children


def _node(element: ElementTree.Element, parent: str | None, base_url: str | None) -> Node:
    name = element.tag
    spec = SPECS.get(name)
    if spec is None:
        raise InvalidXml(f"<{name}> is not a Plivo XML element")
    if parent is not None and name not in SPECS[parent].children:
        raise InvalidXml(f"<{name}> is not nestable inside <{parent}>")
    attrs = _attributes(name, element.attrib, base_url)
    if name == "Speak":
        return _speak(element, attrs)
    children = [_node(child, name, base_url) for child in element]
    content = " ".join((element.text or "").split())
    if children and any((child.tail or "").strip() for child in element):
        raise InvalidXml(f"<{name}> has text between its child elements")
    if spec.text == "none" and content:
        raise InvalidXml(f"<{name}> takes no text, but has {content[:40]!r}")
    if spec.text == "required" and not content:
        raise InvalidXml(f"<{name}> needs a body ({'a URL' if spec.body else 'text'})")
    if spec.body is not None:
        try:
            content = spec.body(content)
        except AttributeError_ as exc:
            raise InvalidXml(f"<{name}> body {exc}") from None
        if isinstance(spec.body, Url):
            content = spec.body.absolute(content, base_url)
    if name == "DTMF" and not re.fullmatch(r"[0-9*#A-Da-dwW]+", content):
        raise InvalidXml(f"<DTMF> digits may be 0-9, *, #, A-D, w and W, not {content!r}")
    return Node(name, attrs, content, children)


def _attributes(name: str, given: dict[str, str], base_url: str | None) -> dict[str, Any]:
    spec = SPECS[name]
    values: dict[str, Any] = {}
    for key, value in given.items():
        if key not in spec.attributes:
            raise InvalidXml(f"<{name}> has no attribute {key!r}")
        check, _ = spec.attributes[key]
        try:
            values[key] = check(value)
        except AttributeError_ as exc:
            raise InvalidXml(f"<{name} {key}> {exc}") from None
        if isinstance(check, Url):
            values[key] = check.absolute(values[key], base_url)
    for key in spec.required:
        if key not in values:
            raise InvalidXml(f"<{name}> needs the attribute {key!r}")
    for key, (_, default) in spec.attributes.items():
        values.setdefault(key, default)
    return values


def _speak(element: ElementTree.Element, attrs: dict[str, Any]) -> Node:
    """``<Speak>`` text with SSML children: the words to say and the pauses ``<break>`` asks for."""
    pause = 0.0
    ssml = False
    for child in element.iter():
        if child is element:
            continue
        ssml = True
        if child.tag not in SSML_TAGS:
            raise InvalidXml(f"<{child.tag}> is not an SSML element allowed inside <Speak>")
        if child.tag == "break":
            pause += _break_seconds(child.attrib)
    if ssml and not str(attrs["voice"]).startswith("Polly."):
        raise InvalidXml("SSML inside <Speak> needs a Polly.<Name> voice")
    spoken = " ".join(" ".join(element.itertext()).split())
    if not spoken and not pause:
        raise InvalidXml("<Speak> needs text")
    if len(spoken) > 3000:
        raise InvalidXml(f"<Speak> text is {len(spoken)} characters; at most 3000")
    return Node("Speak", attrs, spoken, pause_seconds=pause, ssml=ssml)


def _break_seconds(attrib: dict[str, str]) -> float:
    if "time" in attrib:
        found = _BREAK_TIME.match(attrib["time"])
        if not found:
            raise InvalidXml(f"<break time> must be like 500ms or 2s, not {attrib['time']!r}")
        seconds = float(found.group(1)) / (1000 if found.group(2) == "ms" else 1)
        if seconds > 10:
            raise InvalidXml("<break time> may be at most 10s")
        return seconds
    strength = attrib.get("strength", "medium")
    if strength not in _BREAK_STRENGTH:
        raise InvalidXml(f"<break strength> must be one of {', '.join(_BREAK_STRENGTH)}, not {strength!r}")
    return _BREAK_STRENGTH[strength]


def first_answering(nodes: list[Node]) -> int | None:
    """Index of the first element that answers an inbound call, if any."""
    from switchboard.voice.elements import DO_NOT_ANSWER

    for index, node in enumerate(nodes):
        if node.name not in DO_NOT_ANSWER:
            return index
    return None
