"""Prepaid credit on calls: an answered leg of a prepaid account is checked when it is answered
and at each of its billing increments (one balance read per increment, never per media frame);
when the balance cannot pay the next increment of this leg on top of what the account's live
legs on this node have run up, the leg ends with 1010 "Canceled (Out Of Credits)", source Plivo.
A read is ``billing.balances``' (on SQLite the rows added since the node's last read).

Known gap: a leg that ended a moment ago but whose charge is not yet committed, or a leg on
another node, is not counted; the balance can then run past zero by about one increment.
"""

import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from switchboard.billing.rating import billed_seconds, call_amount
from switchboard.voice import causes
from switchboard.voice.call import LiveCall

if TYPE_CHECKING:
    from switchboard.voice.engine import VoiceEngine

log = logging.getLogger("switchboard.voice")
_AHEAD = 1.0  # seconds before an increment starts that it is checked


def _elapsed(engine: "VoiceEngine", call: LiveCall) -> float:
    assert call.answered_at is not None
    return engine.clock.monotonic() - call.answered_at


def _committed(engine: "VoiceEngine", call: LiveCall) -> Decimal:
    """What ``call`` will cost at the end of the increment it is in."""
    tariff = call.tariff
    return call_amount(tariff.rate, billed_seconds(int(_elapsed(engine, call)) + 1, tariff.initial, tariff.increment))


async def _prepaid_funds(engine: "VoiceEngine", call: LiveCall) -> Decimal | None:
    """The balance of the call's prepaid account; None when the account is postpaid."""
    try:
        with engine.clock.busy():
            async with engine.sessionmaker() as session:
                return await engine.balances.prepaid(session, call.account_id)
    except Exception:  # a database busy for a moment must not end a call: look again next increment
        log.warning("call %s: reading the balance failed", call.call_uuid, exc_info=True)
        return Decimal("Infinity")


def _short(engine: "VoiceEngine", call: LiveCall, funds: Decimal, end: int) -> bool:
    """True when ``funds`` cannot pay ``call`` up to ``end`` seconds from its answer on top of
    what the account's other live answered legs have run up."""
    others = sum((_committed(engine, other) for other in engine.live.values()
                  if other is not call and other.account_id == call.account_id and other.answered_at is not None),
                 Decimal(0))
    if funds >= others + call_amount(call.tariff.rate, end):
        return False
    log.info("call %s: account %s is out of credit (%s)", call.call_uuid, call.account_id, funds)
    return True


async def _prepaid(engine: "VoiceEngine", call: LiveCall) -> bool:
    account = await engine.credentials.get(call.account_id)  # cached: a postpaid call costs no query
    return account is not None and account.billing_mode == "prepaid"


async def may_start(engine: "VoiceEngine", call: LiveCall) -> bool:
    """Before a leg rings: can its account pay the leg's first increment? (Always, postpaid.)"""
    if not await _prepaid(engine, call):
        return True
    funds = await _prepaid_funds(engine, call)
    tariff = call.tariff
    return funds is None or not _short(engine, call, funds, billed_seconds(1, tariff.initial, tariff.increment))


async def watch_credit(engine: "VoiceEngine", call: LiveCall) -> None:
    """Run while ``call`` is up; end it with 1010 when its prepaid account cannot pay on. Each
    increment is checked a little before it starts (``_AHEAD``), so a leg cut off is not billed
    for an increment it did not get."""
    assert call.finished is not None and call.answered_at is not None
    if not await _prepaid(engine, call):
        return
    tariff = call.tariff
    start = 0  # seconds from answer at which the increment to pay for begins
    while call.is_live:
        funds = await _prepaid_funds(engine, call)
        if funds is None:
            return  # no longer prepaid
        end = billed_seconds(start + 1, tariff.initial, tariff.increment)
        if _short(engine, call, funds, end):
            await engine.finish(call, causes.OUT_OF_CREDITS, causes.PLIVO)
            return
        ahead = min(_AHEAD, tariff.increment / 2)
        if await engine.clock.wait(call.finished, end - ahead - _elapsed(engine, call)):
            return
        start = end
