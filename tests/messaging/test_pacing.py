"""A sender's pace holds for what actually leaves, not only for the slots booked at accept time:
messages that become due together (a late commit, a held-up dispatcher) are spread out again."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from switchboard.messaging.models import Message
from switchboard.messaging.ratelimit import SLACK, SenderSchedule
from tests.helpers import LiveServer, RecordingClient
from tests.messaging.conftest import buy, eventually, handset
from tests.messaging.receiver import Receiver
from tests.messaging.test_send import finals

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_pace_holds_back_a_burst_of_late_messages() -> None:
    schedule = SenderSchedule({"15550000001": 10.0})
    slots = [schedule.slot("15550000001", "longcode", 1, T0) for _ in range(4)]
    assert slots == [T0 + timedelta(seconds=i / 10) for i in range(4)]
    late = T0 + timedelta(seconds=1)  # all four are due at once
    verdicts = schedule.pace([("15550000001", 1, slot) for slot in slots], late)
    assert verdicts[0] is None
    held = verdicts[1:]
    assert held == [late - SLACK + timedelta(seconds=0.1 * i) for i in (1, 2, 3)]
    assert schedule.slot("15550000001", "longcode", 1, late) >= held[-1] + timedelta(seconds=0.1)  # booked behind them
    assert schedule.pace([("15550000001", 1, held[0])], held[0]) == [None]
    assert schedule.pace([("15550000001", 1, held[0])], held[0]) == [held[1]]  # one interval after the last to leave


def test_pace_lets_fast_senders_leave_in_one_round() -> None:
    schedule = SenderSchedule({"15550000002": 100_000.0})
    slots = [schedule.slot("15550000002", "longcode", 1, T0) for _ in range(500)]
    assert schedule.pace([("15550000002", 1, slot) for slot in slots], T0 + timedelta(seconds=1)) == [None] * 500


def test_messages_due_together_still_leave_at_the_senders_rate(server: LiveServer, client: RecordingClient,
                                                               receiver: Receiver) -> None:
    src = buy(client)

    async def slow(app: object) -> None:
        app.state.messaging.pipeline.schedule.rates[src] = 10.0  # type: ignore[attr-defined]

    async def all_due_now(app: object) -> int:
        async with app.state.db.session() as session:  # type: ignore[attr-defined]
            result = await session.execute(update(Message).where(Message.from_number == src, Message.dispatch_at.is_not(None))
                                           .values(dispatch_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
            await session.commit()
            return int(result.rowcount)

    server.call(slow)
    uuids = client.messages.create(src=src, dst="<".join(handset() for _ in range(12)), text="due", url=receiver.url("/due")).message_uuid
    bunched = server.call(all_due_now)
    assert bunched >= 9  # at 10/s, at most the first few can have left already
    eventually(lambda: len(finals(receiver, "/due")) == 12)
    sent = sorted(datetime.strptime(c.params["SentTime"], "%Y-%m-%d %H:%M:%S.%f")
                  for c in receiver.at("/due") if c.params["Status"] == "delivered")
    assert len(sent) == len(uuids) == 12
    gaps = [(b - a).total_seconds() for a, b in zip(sent, sent[1:])]
    assert (sent[-1] - sent[0]).total_seconds() >= 11 / 10 - SLACK.total_seconds(), gaps
    assert min(gaps[-bunched + 1:]) >= 0.1 - SLACK.total_seconds(), gaps
