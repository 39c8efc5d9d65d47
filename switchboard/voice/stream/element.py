"""``<Stream>``: stream the call's audio to the WebSocket in the body.

With ``keepCallAlive="true"`` the element holds the call on the stream: the next element runs
when the socket closes (the application closed it, ``streamTimeout``, ``DELETE …/Stream/``) or
the connection failed. Otherwise the stream runs beside the rest of the document until the call
ends. ``bidirectional="true"`` needs ``audioTrack="inbound"`` (Plivo's rule): another track is
logged and streamed inbound.
"""

from typing import TYPE_CHECKING

from switchboard.network.channel import wait_any
from switchboard.voice.document import Node
from switchboard.voice.stream.service import StreamRefused
from switchboard.voice.stream.session import StreamOptions

if TYPE_CHECKING:
    from switchboard.voice.interpreter import Interpreter


def options(node: Node) -> StreamOptions:
    return StreamOptions(
        service_url=node.text, bidirectional=node["bidirectional"], audio_track=node["audioTrack"],
        stream_timeout=node["streamTimeout"], status_callback_url=node["statusCallbackUrl"] or "",
        status_callback_method=node["statusCallbackMethod"], content_type=node["contentType"],
        extra_headers=node["extraHeaders"] or "", keep_call_alive=node["keepCallAlive"],
        noise_cancellation=node["noiseCancellation"], noise_cancellation_level=node["noiseCancellationLevel"],
    )


async def stream(interp: "Interpreter", node: Node, base: str) -> None:
    interp.played = True
    wanted = options(node)
    if wanted.bidirectional and wanted.audio_track != "inbound":
        interp.engine.debug_log(interp.call, "", base, "", f"<Stream bidirectional=\"true\"> streams the inbound "
                                f"track only (audioTrack={wanted.audio_track!r} ignored)")
        wanted.audio_track = "inbound"
    try:
        session = interp.engine.streams.start(interp.call, wanted)
    except StreamRefused as exc:
        interp.engine.debug_log(interp.call, "", base, "", f"<Stream> not started: {exc}")
        return
    if wanted.keep_call_alive:
        await wait_any(interp.clock, (session.ended, interp.leg.ended), None)
