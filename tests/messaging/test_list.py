"""Message/ list with Plivo's filters and pagination; per-sender throughput by queueing."""

import time
from datetime import datetime, timedelta, timezone

from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape
from tests.messaging.conftest import buy, eventually, handset
from tests.messaging.receiver import Receiver
from tests.messaging.test_send import EXTRA, finals
from tests.numbers.test_search_buy import subaccount_client


def test_list_filters_and_pages(server: LiveServer, account: MainAccount, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    gb = buy(client, "GB", type="mobile")
    with server.http(account) as http:
        http.post("/_sim/phones", json={"number": "14155550901", "sms": {"result": "undelivered", "error_code": 80}})
    us_phones = [handset() for _ in range(3)]
    sent = client.messages.create(src=src, dst="<".join(us_phones + ["14155550901"]), text="hi", url=receiver.url("/s")).message_uuid
    [uk] = client.messages.create(src=gb, dst="447700900321", text="hello uk", url=receiver.url("/s")).message_uuid
    eventually(lambda: len(finals(receiver, "/s")) == 5)

    def uuids(**filters: object) -> set[str]:
        return {m.message_uuid for m in client.messages.list(limit=20, **filters)}

    everything = set(sent) | {uk}
    assert uuids() == everything
    client.messages.list()
    assert_plivo_shape(client.last_json(), "messageListResponse", extra=EXTRA)
    assert uuids(message_direction="outbound") == everything
    assert uuids(message_direction="inbound") == set()
    assert uuids(message_state="undelivered") == {sent[3]}
    assert uuids(message_state="delivered") == set(sent[:3]) | {uk}
    assert uuids(error_code=80) == {sent[3]}
    assert uuids(destination_country_iso2="GB") == {uk}
    assert uuids(from_number=gb) == {uk}
    assert uuids(to_number=us_phones[0]) == {sent[0]}
    assert uuids(message_type="sms") == everything
    assert uuids(message_type="mms") == set()
    now = datetime.now(timezone.utc)
    before = (now - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    after = (now + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    assert uuids(message_time__gt=before) == everything
    assert uuids(message_time__gte=before, message_time__lte=after) == everything
    assert uuids(message_time__lt=before) == set()
    page = client.messages.list(limit=2, offset=0)
    meta = client.last_json()["meta"]
    assert len(page) == 2 and meta["total_count"] == 5 and "offset=2" in meta["next"] and meta["previous"] is None
    second = client.messages.list(limit=2, offset=2)
    assert not {m.message_uuid for m in page} & {m.message_uuid for m in second}
    sub_id, sub = subaccount_client(server, client)
    assert {m.message_uuid for m in client.messages.list(subaccount=sub_id)} == set()
    assert {m.message_uuid for m in sub.messages.list()} == set()
    with server.http(account) as http:
        bad = http.get(f"/v1/Account/{account.auth_id}/Message/", params={"message_time__gt": "yesterday"})
        assert bad.status_code == 400 and "message_time__gt" in bad.json()["error"]
        assert http.get(f"/v1/Account/{account.auth_id}/Message/", params={"limit": 21}).status_code == 400
        assert http.get(f"/v1/Account/{account.auth_id}/Message/", params={"error_code": 2**40}).status_code == 400


def test_sender_rate_limit_queues_and_never_drops(server: LiveServer, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)

    async def slow(app: object) -> None:
        app.state.messaging.pipeline.schedule.rates[src] = 20.0  # type: ignore[attr-defined]

    server.call(slow)
    phones = [handset() for _ in range(30)]
    started = time.monotonic()
    uuids = client.messages.create(src=src, dst="<".join(phones), text="paced", url=receiver.url("/paced")).message_uuid
    accepted_in = time.monotonic() - started
    assert len(uuids) == 30
    queued_now = {m.message_state for m in client.messages.list(limit=20, from_number=src, message_state="queued")}
    assert queued_now == {"queued"}  # most of them still wait for their slot
    eventually(lambda: len(finals(receiver, "/paced")) == 30)
    sent_times = sorted(datetime.strptime(c.params["SentTime"], "%Y-%m-%d %H:%M:%S.%f")
                        for c in receiver.at("/paced") if c.params["Status"] == "delivered")
    spread = (sent_times[-1] - sent_times[0]).total_seconds()
    assert spread >= 29 / 20 * 0.9, f"30 messages at 20/s left within {spread:.2f}s (accepted in {accepted_in:.2f}s)"
