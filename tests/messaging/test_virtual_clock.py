"""Messages on the virtual clock (``serve --clock virtual``, as an application's own test suite runs
Switchboard): an MMS whose media comes from a slow host, sent while calls, other messages and MMS
from phones are in flight, is answered within the SDK's timeout and reaches its final state, every
time.

On SQLite this used to hang for the busy timeout (10 s) in most runs, on either clock: the send
stored the fetched media before taking the pipeline's write lock, so it held SQLite's one writer
while the lock's holder waited for that writer."""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import _new_database, running_server
from tests.helpers import LiveServer, RecordingClient
from tests.messaging.conftest import FAST, buy, eventually, handset
from tests.messaging.receiver import Receiver
from tests.messaging.test_send import finals

ROUNDS = 25
CALLS, TEXTS = 2, 3
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
ANSWER = b'<Response><Speak>Hello, please hold.</Speak><Wait length="30"/><Speak>Goodbye.</Speak></Response>'


@pytest.fixture(scope="module")
def virtual_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A virtual-clock server whose senders are not throttled, on a database of its own (its
    pipeline must be the only one dispatching these messages)."""
    kind = "sqlite" if backend.startswith("sqlite") else "postgresql"
    with (
        _new_database(kind, tmp_path_factory.mktemp("vclock-db")) as url,
        running_server(url, tmp_path_factory.mktemp("vclock-data"), clock="virtual", sms_mps=dict(FAST)) as live,
    ):
        yield live


def test_mms_with_a_slow_media_host_among_calls_and_messages(virtual_server: LiveServer) -> None:
    account = virtual_server.new_main_account()

    def sdk() -> Any:  # one per request; the SDK's own timeout (5 s) is the bound on every answer
        return RecordingClient(virtual_server.base_url, account.auth_id, account.auth_token)

    with Receiver(account.auth_token) as receiver:
        receiver.files["/photo.png"] = (PNG, "image/png")
        receiver.file_delay = 0.05
        receiver.replies["/answer"] = ANSWER
        client = sdk()
        src = buy(client)
        number = buy(client)  # receives the phones' MMS
        client.numbers.update(number, app_id=client.applications.create(app_name="inbox", message_url=receiver.url("/incoming")).app_id)
        status = receiver.url("/status")

        def call() -> str:
            return sdk().calls.create(from_=src, to_=handset(), answer_url=receiver.url("/answer"),
                                      hangup_url=receiver.url("/hangup")).request_uuid

        def text() -> str:
            return sdk().messages.create(src=src, dst=handset(), text="hello", url=status).message_uuid[0]

        def mms() -> str:
            return sdk().messages.create(src=src, dst=handset(), text="a picture", type_="mms", url=status,
                                         media_urls=[receiver.url("/photo.png")]).message_uuid[0]

        def phone_mms() -> str:
            with virtual_server.http(account) as http:
                sent = http.post("/_sim/messages", json={"from": handset(), "to": number, "text": "from a phone",
                                                         "media_urls": [receiver.url("/photo.png")]}, timeout=5)
            assert sent.status_code == 202, sent.text
            return sent.json()["from"]

        jobs: list[Callable[[], str]] = [call] * CALLS + [text] * TEXTS + [mms, phone_mms]
        problems: list[str] = []
        messages: list[str] = []
        phones: list[str] = []
        placed = 0
        with ThreadPoolExecutor(len(jobs)) as pool:
            for round_ in range(ROUNDS):
                futures = [(job.__name__, pool.submit(job)) for job in jobs]
                for name, future in futures:
                    try:
                        answer = future.result()
                    except Exception as exc:  # a timeout or an error answer: what this test is about
                        problems.append(f"round {round_}: {name} raised {exc!r}")
                        continue
                    if name == "call":
                        placed += 1
                    elif name == "phone_mms":
                        phones.append(answer)
                    else:
                        messages.append(answer)
                if problems:
                    break  # the server is stuck: later rounds would only queue behind it
        assert not problems, f"{len(problems)} requests of round {round_} failed: " + "; ".join(problems[:5])
        eventually(lambda: all(finals(receiver).get(uuid) == "delivered" for uuid in messages), timeout=30)
        eventually(lambda: len(receiver.at("/hangup")) == placed, timeout=30)
        eventually(lambda: sorted(c.params["From"] for c in receiver.at("/incoming")) == sorted(phones), timeout=30)
        assert all(c.params["MediaCount"] == "1" for c in receiver.at("/incoming"))


def test_a_phones_receipt_delay_passes_in_virtual_time(virtual_server: LiveServer) -> None:
    """A phone that reports delivery an hour later does so at once in real time, an hour later on
    the server's clock, as a call's waits do."""
    account = virtual_server.new_main_account()
    client = RecordingClient(virtual_server.base_url, account.auth_id, account.auth_token)
    slow = handset()
    with virtual_server.http(account) as http:
        assert http.post("/_sim/phones", json={"number": slow, "sms": {"receipt_delay": 3600}}).status_code == 201
    with Receiver(account.auth_token) as receiver:
        [uuid] = client.messages.create(src=buy(client), dst=slow, text="see you in an hour",
                                        url=receiver.url("/status")).message_uuid
        eventually(lambda: finals(receiver).get(uuid) == "delivered", timeout=20)
        delivered = next(c.params for c in receiver.at("/status") if c.params["Status"] == "delivered")
    sent, reported = (datetime.fromisoformat(delivered[key]) for key in ("SentTime", "DeliveryReportTime"))
    assert timedelta(hours=1) <= reported - sent < timedelta(hours=1, minutes=1)
