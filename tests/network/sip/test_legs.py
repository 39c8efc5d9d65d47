"""A SIP leg's own timing rules, without a network: the BYE after a prompt waits for the far end
to play the end of it."""

import asyncio
from types import SimpleNamespace

from switchboard.core.clock import Clock
from switchboard.network.rtp.codec import PCMU
from switchboard.network.rtp.session import RtpSession
from switchboard.network.sip.legs import PLAYOUT_DRAIN, SipLeg


def test_the_bye_after_a_prompt_waits_for_the_far_end_to_play_its_end() -> None:
    async def run() -> tuple[int, int, float]:
        loop = asyncio.get_running_loop()
        sent: list[float] = []
        stack = SimpleNamespace(clock=Clock(), forget=lambda leg: None,
                                send_in_dialog=lambda leg, method: sent.append(loop.time()))
        session = RtpSession(lambda digit: None)
        await session.open("127.0.0.1")
        session.configure("127.0.0.1", 9, PCMU, None)
        leg = SipLeg(stack, session, None, uuid="leg", direction="inbound", from_="14155550100", to="14155550101")  # type: ignore[arg-type]
        leg.answered.set_result(None)
        leg.dialog = object()  # type: ignore[assignment]
        quiet = asyncio.ensure_future(leg.hangup())  # nothing played: the BYE goes in the first step
        await asyncio.sleep(0)
        sent_at_once = len(sent)
        await quiet
        leg.ended = loop.create_future()
        session.last_played = loop.time()  # a prompt's last packet just went out
        started = loop.time()
        after_prompt = asyncio.ensure_future(leg.hangup())
        await asyncio.sleep(0)
        sent_at_once_after_prompt = len(sent) - 1
        await after_prompt
        return sent_at_once, sent_at_once_after_prompt, sent[-1] - started

    at_once, after_prompt_at_once, waited = asyncio.run(run())
    assert (at_once, after_prompt_at_once) == (1, 0)
    assert waited >= PLAYOUT_DRAIN * 0.9
