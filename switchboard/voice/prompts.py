"""Sounds given as a URL that answers Plivo XML (Dial ``dialMusic``/``confirmSound``, Conference
``waitSound``/``enterSound``/``exitSound``): the document may hold only Play, Speak and Wait, and
its prompts become media for a leg or a whole room. A URL that fails or answers anything else
plays nothing and leaves an entry in the debug log; it never ends the call."""

from typing import TYPE_CHECKING

from switchboard.network.channel import Audio, Beep, Media, Silence, Speech
from switchboard.voice.audio import AudioError
from switchboard.voice.call import LiveCall
from switchboard.voice.document import InvalidXml, Node, parse

if TYPE_CHECKING:
    from switchboard.voice.engine import VoiceEngine

PROMPTS = frozenset({"Play", "Speak", "Wait"})
BEEPS = {"beep:1": [Beep(0.2, 700)], "beep:2": [Beep(0.2, 700), Silence(0.2), Beep(0.2, 700)]}


async def fetch_prompts(engine: "VoiceEngine", call: LiveCall, url: str, method: str, what: str,
                        **params: str) -> tuple[list[Node], str]:
    """The Play/Speak/Wait elements the document at ``url`` answers, and the URL they came from."""
    with engine.clock.busy():
        result = await engine.webhooks.fetch(url, call.params(**params), account=call.owner, method=method,
                                             event=f"call.{what}")
    if not result.ok:
        engine.debug_log(call, result.request_id, url, method, f"{what}: {url} gave no usable XML; nothing played")
        return [], url
    try:
        nodes = parse(result.body, base_url=result.url)
    except InvalidXml as exc:
        engine.debug_log(call, result.request_id, result.url, method, f"{what}: invalid Plivo XML: {exc}")
        return [], result.url
    prompts = [node for node in nodes if node.name in PROMPTS]
    if len(prompts) != len(nodes):
        engine.debug_log(call, result.request_id, result.url, method,
                         f"{what}: only Play, Speak and Wait are played; other elements were skipped")
    return prompts, result.url


async def media_of(engine: "VoiceEngine", call: LiveCall, node: Node) -> list[Media]:
    """The media one prompt element plays (its ``loop`` repeated; an unplayable Play is nothing)."""
    if node.name == "Wait":
        return [Silence(float(node["length"]))]
    if node.name == "Speak":
        media: Media = Speech(node.text, node["voice"], node["language"], node.pause_seconds, node.ssml)
    else:
        try:
            media = Audio(node.text, await engine.audio.seconds(node.text))
        except AudioError as exc:
            engine.debug_log(call, "", node.text, "GET", f"<Play> skipped: {exc}")
            return []
    return [media] * min(node["loop"] or 1, 100)


async def sound_media(engine: "VoiceEngine", call: LiveCall, sound: str, method: str, what: str) -> list[Media]:
    """``beep:1``, ``beep:2`` or a URL answering prompts, as media ("" is nothing)."""
    if not sound:
        return []
    if sound in BEEPS:
        return BEEPS[sound]
    nodes, _ = await fetch_prompts(engine, call, sound, method, what)
    return [item for node in nodes for item in await media_of(engine, call, node)]
