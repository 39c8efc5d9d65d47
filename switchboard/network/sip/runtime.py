"""Starting and stopping the SIP network from the application's lifespan."""

from typing import Any

from switchboard.network.channel import Network
from switchboard.network.sip.media import MediaRenderer
from switchboard.network.sip.network import SipNetwork
from switchboard.network.sip.stack import SipSettings, SipStack


def parse_listen(value: str) -> tuple[str, int]:
    """``host:port`` (IPv6 in brackets) or a bare port."""
    if value.isdigit():
        return "127.0.0.1", int(value)
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"{value!r} is not host:port")
    return host.strip("[]"), int(port)


async def start_sip(app: Any, fallback: Network) -> SipNetwork | None:
    """The SIP network over ``fallback`` when ``--sip-listen`` is set (``app.state.sip``), else None."""
    settings = app.state.settings
    if not settings.sip_listen:
        return None
    host, port = parse_listen(settings.sip_listen)
    sip_settings = SipSettings(host=host, port=port, media_host=settings.sip_media_host or "",
                               domain=settings.resolved_sip_domain, rtp_timeout=settings.sip_rtp_timeout,
                               access_token_key=app.state.access_token_key)
    stack = SipStack(app.state.db.sessionmaker, app.state.clock, sip_settings, MediaRenderer())
    await stack.start()
    app.state.sip = stack
    return SipNetwork(stack, app.state.db.sessionmaker, fallback)


async def stop_sip(app: Any) -> None:
    stack: SipStack | None = getattr(app.state, "sip", None)
    if stack is not None:
        await stack.stop()
        await stack.media.aclose()
