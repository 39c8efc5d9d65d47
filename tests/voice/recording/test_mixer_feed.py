"""A recording fed by a mixer instead of a leg (how conference recording hooks in): frames of PCM
and media events handed to ``recorder.hear`` become the file; the row says conference; the
callback carries the conference's extra parameters."""

import asyncio
from typing import Any

import numpy as np

from switchboard.media import tones
from switchboard.network.channel import Frames, MediaEvent, Speech
from switchboard.voice.recording.service import Callback, Target
from tests.helpers import LiveServer, MainAccount
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import decode, download, level, recordings


def test_a_mixer_feeds_a_conference_recording(voice_server: LiveServer, voice_account: MainAccount, sim: Sim,
                                              customer: CustomerApp) -> None:
    customer.route("/conference-events", "")

    async def record_a_room(app: Any, name: str = "standup", uuid: str = "11111111-2222-3333-4444-555555555555") -> str:
        recordings_ = app.state.voice.recordings
        clock = app.state.clock
        ends: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        target = Target(voice_account.auth_id, None, ends, recording_type="conference", conference_name=name,
                        conference_uuid=uuid)
        callback = Callback(customer.url("/conference-events"), "POST", "xml",
                            {"ConferenceAction": "record", "ConferenceName": name})
        active = await recordings_.begin(target, "mp3", directions=("out",), callback=callback)
        start = active.recorder.started
        tone = tones.beep(1.0, 440).tobytes()
        for tick in range(50):  # one second of 20 ms frames, from 0.5 s on
            active.recorder.hear(MediaEvent(start + 0.5 + tick * 0.02, "out", Frames(tone[tick * 320:(tick + 1) * 320])))
        active.recorder.hear(MediaEvent(start + 2.0, "out", Speech("welcome to the stand up"), 1.5))
        await clock.sleep(3.6)
        ends.set_result(None)  # the room ends: the recording stops with it
        while active.finishing is None:
            await asyncio.sleep(0)
        row = await active.finishing
        assert row.recording_duration_ms >= 3500
        return row.recording_id

    recording_id = voice_server.call(record_a_room)
    [row] = [r for r in recordings(sim, conference_name="standup")]
    assert row["recording_id"] == recording_id and row["recording_type"] == "conference" and row["call_uuid"] == ""
    event = customer.wait_for("/conference-events")[0].params
    assert event["ConferenceAction"] == "record" and event["RecordingID"] == recording_id
    assert event["RecordUrl"] == row["recording_url"]
    samples = decode(download(sim, row["recording_url"]))
    assert level(samples, 0.0, 0.45) < 100 and level(samples, 0.6, 1.4) > 3000
    spectrum = np.abs(np.fft.rfft(samples[int(0.6 * 8000):int(1.4 * 8000)]))
    assert abs(np.argmax(spectrum) * 8000 / (0.8 * 8000) - 440) < 5

    # the list filters of a conference recording, and paging
    other = voice_server.call(record_a_room, "retro", "99999999-2222-3333-4444-555555555555")
    ids = lambda **filters: [r["recording_id"] for r in recordings(sim, **filters)]  # noqa: E731
    assert ids(conference_uuid="11111111-2222-3333-4444-555555555555") == [recording_id]
    assert ids(conference_name="retro") == [other]
    assert ids(conference_name="standup", conference_uuid="99999999-2222-3333-4444-555555555555") == []  # both must hold
    assert ids(mpc_name="standup") == [] and ids(mpc_uuid="11111111-2222-3333-4444-555555555555") == []
    first = sim.http.get(f"/v1/Account/{voice_account.auth_id}/Recording/", params={"limit": 1}).json()
    assert first["meta"]["total_count"] == 2 and first["meta"]["next"] is not None
    second = sim.http.get(f"/v1/Account/{voice_account.auth_id}/Recording/", params={"limit": 1, "offset": 1}).json()
    assert {first["objects"][0]["recording_id"], second["objects"][0]["recording_id"]} == {recording_id, other}
    assert first["objects"][0]["recording_id"] == other  # newest first
    assert second["meta"]["next"] is None
