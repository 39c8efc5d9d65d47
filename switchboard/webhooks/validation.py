"""Checks of what a synchronous fetch returned, before a caller gets to use it.

A check takes the body and its Content-Type and returns ``None`` when the body is acceptable, or
a sentence saying precisely what is wrong. :func:`expect_plivo_xml` is the one for answer,
fallback and action URLs: well-formed XML whose root element is ``<Response>``. Running the
document (and rejecting unknown elements) is the XML engine's job.
"""

from collections.abc import Callable
from xml.etree import ElementTree

BodyCheck = Callable[[bytes, str], str | None]


def _describe(content_type: str) -> str:
    return content_type.split(";")[0].strip() or "no Content-Type"


def expect_plivo_xml(body: bytes, content_type: str) -> str | None:
    text = body.strip()
    if not text:
        return "empty response body where Plivo XML was expected"
    head = text[:512].lower()
    if b"<!doctype" in head or b"<!entity" in text.lower():
        kind = "HTML" if b"html" in head else "XML with a DOCTYPE"
        return f"response is {kind} ({_describe(content_type)}), not Plivo XML"
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        return f"response is not well-formed XML ({_describe(content_type)}): {exc}"
    if root.tag != "Response":
        return f"response root element is <{root.tag}>, not <Response> ({_describe(content_type)})"
    return None
