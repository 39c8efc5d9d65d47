"""The mixer behind bridges and conference rooms, driven through simulated legs: who hears a
member's voice and digits (muted, deaf, relayDTMF), media played into the room, and a subscriber
(what a recorder attaches to) seeing what the room carries until it unsubscribes."""

import asyncio

from switchboard.core.clock import VirtualClock
from switchboard.network.channel import Beep, Utterance
from switchboard.network.mixer import Mixer, Sound
from switchboard.network.sim.legs import SimLeg
from switchboard.network.sim.phones import PhoneBook


def heard(book: PhoneBook, phone: str) -> list[tuple[str, str]]:
    return [(e.kind, e.detail.get("text") or e.detail.get("digits") or str(e.detail.get("frequency")))
            for e in book.phone(phone).log if e.kind.startswith("heard")]


async def scenario() -> tuple[PhoneBook, list[Sound]]:
    clock = VirtualClock()
    book = PhoneBook(clock)
    legs = {phone: SimLeg(clock, book, phone, uuid=f"leg-{phone}", direction="inbound", from_=phone, to="100")
            for phone in ("111", "222", "333")}
    room = Mixer("room")
    await legs["111"].join(room)
    await legs["222"].join(room, muted=True)
    await legs["333"].join(room, deaf=True, relay_dtmf=False)
    carried: list[Sound] = []
    unsubscribe = room.subscribe(carried.append)
    legs["111"].far_end_said(Utterance("hello all", 1.0, 0.8))
    legs["222"].far_end_said(Utterance("nobody hears me", 1.0, 0.8))  # muted
    legs["333"].far_end_said(Utterance("I cannot hear", 1.0, 0.8))
    legs["333"].far_end_digit("5")  # not relayed
    legs["111"].far_end_digit("7")
    room.broadcast(Sound("media", media=Beep(0.2, 700)))
    unsubscribe()
    legs["111"].far_end_said(Utterance("after unsubscribing", 1.0, 0.8))
    legs["333"].leave()
    legs["111"].far_end_said(Utterance("333 has left", 1.0, 0.8))
    return book, carried


def test_mixer_routes_sounds_by_member_flags_and_to_subscribers() -> None:
    book, carried = asyncio.run(scenario())
    assert heard(book, "111") == [("heard_voice", "I cannot hear"), ("heard_beep", "700")]
    assert heard(book, "222") == [("heard_voice", "hello all"), ("heard_voice", "I cannot hear"),
                                  ("heard_digits", "7"), ("heard_beep", "700"), ("heard_voice", "after unsubscribing"),
                                  ("heard_voice", "333 has left")]
    assert heard(book, "333") == []  # deaf
    assert [(s.kind, s.label, s.text or s.digits) for s in carried] == [
        ("voice", "111", "hello all"), ("voice", "333", "I cannot hear"), ("digits", "111", "7"), ("media", "", "")]
    voice = [e.detail for e in book.phone("222").log if e.kind == "heard_voice"][0]
    assert voice["from"] == "111" and voice["seconds"] == 0.8
