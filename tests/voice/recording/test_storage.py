"""The recording store: whole files or none, a full disk refused with a Plivo-shaped error (API) or a
logged skip (XML) and no file left behind, and retention deleting old recordings."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from plivo import plivoxml

from switchboard.voice.recording.storage import LocalStore, StorageFull
from tests.conftest import running_server
from tests.helpers import LiveServer, MainAccount
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import inbound, recordings
from tests.voice.test_live import wait_until


def test_local_store_writes_whole_files_or_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "rec", reserve_bytes=0)
    store.put("abc.mp3", b"data")
    assert store.path("abc.mp3").read_bytes() == b"data"  # type: ignore[union-attr]
    assert store.delete("abc.mp3") and not store.delete("abc.mp3")
    assert store.path("../../etc/passwd") is None
    full = LocalStore(tmp_path / "rec", reserve_bytes=2**62)
    assert not full.has_room()
    with pytest.raises(StorageFull):
        full.put("big.mp3", b"x" * 1000)
    assert [p.name for p in (tmp_path / "rec").rglob("*") if p.is_file()] == []


def test_writes_that_fail_leave_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalStore(tmp_path / "rec", reserve_bytes=0)

    def no_space(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", no_space)
    with pytest.raises(StorageFull):
        store.put("half.mp3", b"x" * 100_000)
    assert [p for p in (tmp_path / "rec").rglob("*") if p.is_file()] == []


@pytest.fixture
def full_server(empty_database: str, tmp_path: Path) -> Iterator[LiveServer]:
    with running_server(empty_database, tmp_path / "data", clock="virtual", recording_reserve_bytes=2**62) as live:
        yield live


def test_a_full_disk_refuses_recordings_without_corrupt_files(full_server: LiveServer, customer: CustomerApp) -> None:
    account = full_server.new_main_account()
    sim = Sim(full_server, account)
    response = plivoxml.ResponseElement()
    response.add_record(action=customer.url("/recorded"), play_beep=False, timeout=2)
    response.add_speak("Recording skipped.")
    response.add_wait(length=30)
    customer.route("/recorded", "")
    full_server.call(_hold_clock, True)  # real time flows: the call stays up while the test acts
    try:
        call_uuid = inbound(sim, customer, "14155557713", response.to_string(), [{"say": "hello"}])
        wait_until(lambda: kinds(sim.log("14155557713"), "heard_speech"))
        assert customer.requests_to("/recorded") == []
        refused = sim.http.post(f"/v1/Account/{account.auth_id}/Call/{call_uuid}/Record/", json={})
        assert refused.status_code == 503 and "full" in refused.json()["error"]
        sim.http.delete(f"/v1/Account/{account.auth_id}/Call/{call_uuid}/")
    finally:
        full_server.call(_hold_clock, False)
    entries = sim.http.get(f"/v1/Account/{account.auth_id}/WebhookLog/", params={"errors": "true"}).json()
    assert any("<Record> skipped" in e["error"] for e in entries["objects"])
    assert recordings(sim) == []
    assert [p for p in (full_server.settings.data_dir / "recordings").rglob("*") if p.is_file()] == []
    sim.http.close()


async def _hold_clock(app: Any, hold: bool) -> None:
    app.state.clock.auto = not hold


@pytest.fixture
def short_retention(empty_database: str, tmp_path: Path) -> Iterator[LiveServer]:
    with running_server(empty_database, tmp_path / "data", clock="virtual", recording_retention_days=2) as live:
        yield live


def test_retention_deletes_old_recordings_and_their_files(short_retention: LiveServer, customer: CustomerApp) -> None:
    account: MainAccount = short_retention.new_main_account()
    sim = Sim(short_retention, account)
    response = plivoxml.ResponseElement()
    response.add_record(action=customer.url("/recorded"), play_beep=False, timeout=2, redirect=False)
    customer.route("/recorded", "")
    inbound(sim, customer, "14155557714", response.to_string(), [{"say": "keep me for a while"}])
    recording_id = customer.wait_for("/recorded")[0].params["RecordingID"]
    files = list((short_retention.settings.data_dir / "recordings").rglob(f"{recording_id}.mp3"))
    assert len(files) == 1

    async def sweep(app: Any) -> int:
        return await app.state.voice.recordings.sweep()

    assert short_retention.call(sweep) == 0  # young enough to keep
    advanced = sim.http.post("/_sim/clock/advance", json={"seconds": 3 * 86_400})
    assert advanced.status_code == 200, advanced.text
    [row] = recordings(sim, recording_storage_duration=4)  # three whole days stored: the fourth day
    assert row["recording_id"] == recording_id and row["recording_storage_duration"] == 4
    assert recordings(sim, recording_storage_duration__lt=4) == []
    assert short_retention.call(sweep) == 1
    assert recordings(sim) == [] and not files[0].exists()
    sim.http.close()


def test_stopping_the_server_stores_recordings_in_progress(empty_database: str, tmp_path: Path,
                                                           customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_record(record_session=True, callback_url=customer.url("/recorded"), max_length=600)
    response.add_speak("This call is recorded.")
    response.add_wait(length=600)
    customer.route("/answer", response.to_string())
    customer.route("/recorded", "")
    server = LiveServer(empty_database, data_dir=tmp_path, clock="real")
    server.start()
    try:
        account = server.new_main_account()
        with server.http(account) as http:
            placed = http.post(f"/v1/Account/{account.auth_id}/Call/", json={
                "from": "14155557717", "to": "14155557715", "answer_url": customer.url("/answer")})
            assert placed.status_code == 201, placed.text
        customer.wait_for("/answer")
    finally:
        server.stop()
    server = LiveServer(empty_database, data_dir=tmp_path, clock="real")
    server.start()
    try:
        sim = Sim(server, account)
        [row] = recordings(sim)
        assert float(row["recording_duration_ms"]) > 0
        assert sim.http.get(row["recording_url"]).status_code == 200
        sim.http.close()
    finally:
        server.stop()
    assert customer.wait_for("/recorded")[0].params["RecordingID"] == row["recording_id"]


async def _reserve(app: Any, reserve: int) -> int:
    """Set the store's free-space reserve; how many recordings are under way."""
    app.state.voice.recordings.store.reserve_bytes = reserve
    return len(app.state.voice.recordings.active)


def test_a_disk_that_fills_during_the_recording_leaves_no_file(empty_database: str, tmp_path: Path,
                                                               customer: CustomerApp) -> None:
    """The recording began with room to spare; by its end the disk is full: the row is failed and
    not listed, no file (whole or partial) is left, no action with a RecordUrl that would 404,
    and the document goes on."""
    response = plivoxml.ResponseElement()
    response.add_record(action=customer.url("/recorded"), play_beep=False, timeout=2, max_length=5)
    response.add_speak("Sorry, we could not keep that.")
    customer.route("/recorded", "")
    with running_server(empty_database, tmp_path / "data", clock="virtual") as live:
        account = live.new_main_account()
        sim = Sim(live, account)
        live.call(_hold_clock, True)
        try:
            inbound(sim, customer, "14155557716", response.to_string(), [{"say": "this will not fit"}, {"wait": 10}])
            wait_until(lambda: live.call(_reserve, 0) == 1)
            live.call(_reserve, 2**62)  # the disk fills while the caller speaks
            wait_until(lambda: kinds(sim.log("14155557716"), "heard_speech"), timeout=20)
        finally:
            live.call(_hold_clock, False)
        assert customer.requests_to("/recorded") == []
        assert [e["text"] for e in kinds(sim.log("14155557716"), "heard_speech")] == ["Sorry, we could not keep that."]
        entries = sim.http.get(f"/v1/Account/{account.auth_id}/WebhookLog/", params={"errors": "true"}).json()
        assert any("could not be stored" in e["error"] for e in entries["objects"])
        assert recordings(sim) == []
        assert [p for p in (live.settings.data_dir / "recordings").rglob("*") if p.is_file()] == []
        sim.http.close()
