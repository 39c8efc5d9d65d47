"""The Record API on a live call, the Recording resource (list filters, get, the file, delete) and
the Transcription resource, through the official SDK where it has the call. The virtual clock is
held still (real time flows) so the call stays up while the test acts on it."""

import time

import pytest
from plivo import exceptions, plivoxml

from tests.helpers import assert_plivo_shape, shape_problems, fixture
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import decode, level
from tests.voice.test_live import still_clock, wait_until  # noqa: F401 (fixture)

PHONE = "14155557712"


def hold() -> str:
    return plivoxml.ResponseElement().add_speak("Please hold.").add_wait(length=120).to_string()


def test_record_api_and_the_recording_resource(sdk, sim: Sim, customer: CustomerApp, voice_server,
                                               still_clock: None) -> None:  # noqa: F811
    customer.route("/answer", hold())
    for path in ("/hangup", "/recorded", "/transcribed"):
        customer.route(path, "")
    sim.phone(PHONE, [{"ring": 0}, {"wait": 3}, {"say": "testing the record api"}, {"wait": 60}])
    uuid = sdk.calls.create(from_="14155557711", to_=PHONE, answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/answer")

    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.calls.record_stop(uuid)  # nothing is being recorded yet
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.calls.record("00000000-0000-0000-0000-000000000000")
    with pytest.raises(exceptions.ValidationError):
        sdk.calls.record(uuid, file_format="ogg")
    for limit in (0, 14_401):
        with pytest.raises(exceptions.ValidationError):
            sdk.calls.record(uuid, time_limit=limit)

    sdk.calls.record(uuid, file_format="wav", callback_url=customer.url("/recorded"),
                     transcription_type="auto", transcription_url=customer.url("/transcribed"))
    assert sdk.last_status == 202
    started = sdk.last_json()
    assert_plivo_shape(started, "liveCallRecordCreateResponse")
    assert started["message"] == "call recording started" and started["url"].endswith(f"{started['recording_id']}.wav")

    wait_until(lambda: any(e["kind"] == "said" for e in sim.log(PHONE)), timeout=15)
    time.sleep(1.6)  # the sentence takes about 1.5 s
    sdk.calls.record_stop(uuid)
    assert sdk.last_status == 204
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.calls.record_stop(uuid)  # stopping a recording that is not running

    callback = customer.wait_for("/recorded")[0].params
    assert callback["recording_id"] == started["recording_id"] and callback["call_uuid"] == uuid
    assert callback["api_id"] == started["api_id"]  # the request that started it
    assert callback["record_url"] == started["url"]
    assert int(callback["recording_end_ms"]) - int(callback["recording_start_ms"]) == int(callback["recording_duration_ms"])
    assert int(callback["recording_duration_ms"]) > 1500
    transcribed = customer.wait_for("/transcribed", timeout=60)[0].params
    assert transcribed["recording_id"] == started["recording_id"]

    # the Recording resource
    recording_id = started["recording_id"]
    found = sdk.recordings.list(call_uuid=uuid)
    body = sdk.last_json()
    assert [r.recording_id for r in found] == [recording_id]
    assert not shape_problems(body["objects"][0], fixture("recordingGetAddedFilterResponse"))
    assert body["meta"]["total_count"] == 1 and body["objects"][0]["recording_format"] == "wav"
    assert body["objects"][0]["rounded_recording_duration"] == 60  # a few seconds: one minute
    assert [r.recording_id for r in sdk.recordings.list(from_number="14155557711", to_number=PHONE)] == [recording_id]
    assert sdk.recordings.list(call_uuid=uuid, from_number="999") == [] or sdk.last_json()["objects"] == []
    # recording_storage_duration counts days from 1 (Plivo: "increments by one after 24 hours")
    assert [r.recording_id for r in sdk.recordings.list(call_uuid=uuid, recording_storage_duration=1)] == [recording_id]
    assert sdk.last_json()["objects"][0]["recording_storage_duration"] == 1
    assert [r.recording_id for r in sdk.recordings.list(call_uuid=uuid, recording_storage_duration__lte=1)] == [recording_id]
    for empty in ({"recording_storage_duration": 0}, {"recording_storage_duration__gt": 1},
                  {"recording_storage_duration__lt": 1}):
        sdk.recordings.list(call_uuid=uuid, **empty)
        assert sdk.last_json()["objects"] == [], empty
    sdk.recordings.list(call_uuid=uuid, recording_storage_duration__gt=1)
    assert sdk.last_json()["objects"] == []
    sdk.recordings.list(call_uuid=uuid, add_time__gt="2099-01-01")
    assert sdk.last_json()["objects"] == []
    sdk.recordings.list(call_uuid=uuid, add_time__lt="2099-01-01 00:00")
    assert len(sdk.last_json()["objects"]) == 1
    with pytest.raises(exceptions.ValidationError):
        sdk.recordings.list(add_time__gt="yesterday")
    sdk.recordings.get(recording_id)
    assert sdk.last_json()["recording_id"] == recording_id and sdk.last_json()["call_uuid"] == uuid

    samples = decode(sim.http.get(started["url"]).content)
    assert level(samples, 0.0, len(samples) / 8000) > 3000  # the far end's sentence is in it

    # the Transcription resource
    auth = sim.account.auth_id
    got = wait_until(lambda: (r := sim.http.get(f"/v1/Account/{auth}/Transcription/{recording_id}/").json())
                     .get("status") == "success" and r)
    assert_plivo_shape(got, "transcriptionGetResponse")
    assert got["recording_duration_ms"] == int(callback["recording_duration_ms"])
    created = sim.http.post(f"/v1/Account/{auth}/Transcription/{recording_id}/",
                            json={"transcription_callback_url": customer.url("/transcribed")})
    assert created.status_code == 201 and created.json()["message"] == "transcription in progress"
    customer.wait_for("/transcribed", count=2, timeout=60)
    deleted = sim.http.delete(f"/v1/Account/{auth}/Transcription/{recording_id}/")
    assert deleted.status_code == 202 and deleted.json()["message"] == "request accepted"
    assert sim.http.get(f"/v1/Account/{auth}/Transcription/{recording_id}/").status_code == 404

    # delete: the row and the file go; a second delete is a 404
    files = list((voice_server.settings.data_dir / "recordings").rglob(f"{recording_id}.wav"))
    assert len(files) == 1
    sdk.recordings.delete(recording_id)
    assert sdk.last_status == 204
    assert not files[0].exists()
    assert sim.http.get(started["url"]).status_code == 404
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.recordings.delete(recording_id)
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.recordings.get(recording_id)
    sdk.calls.delete(uuid)


def test_recording_ids_of_other_accounts_and_junk_are_404(sdk, sim: Sim) -> None:
    auth = sim.account.auth_id
    for junk in ("nope", "x" * 300, "nope.mp3", "nope.ogg"):
        response = sim.http.get(f"/v1/Account/{auth}/Recording/{junk}/")
        assert response.status_code == 404 and set(response.json()) == {"api_id", "error"}
    assert sim.http.delete(f"/v1/Account/{auth}/Recording/nope/").status_code == 404
    assert sim.http.post(f"/v1/Account/{auth}/Transcription/nope/", json={}).status_code == 404
    for bad in ({"limit": 50}, {"recording_storage_duration__gt": 37_251_827}, {"add_time__gt": "soon"}):
        listed = sim.http.get(f"/v1/Account/{auth}/Recording/", params=bad)
        assert listed.status_code == 400 and set(listed.json()) == {"api_id", "error"}


def test_who_may_see_download_and_delete_a_recording(sdk, sim: Sim, customer: CustomerApp, voice_server) -> None:
    """A subaccount's recording: the subaccount and its main account may list, get, download it;
    a sibling subaccount and another main account may do none of it, nor delete it."""
    from tests.helpers import RecordingClient

    record = plivoxml.ResponseElement()
    record.add_record(action=customer.url("/branch-recorded"), play_beep=False, timeout=2, redirect=False,
                      file_format="wav")
    customer.route("/branch-answer", record.to_string())
    customer.route("/branch-recorded", "")
    sub = sdk.subaccounts.create(name="Branch recording", enabled=True)
    sibling = sdk.subaccounts.create(name="Other branch", enabled=True)
    branch = RecordingClient(voice_server.base_url, sub.auth_id, sub.auth_token)
    sim.phone("14155557730", [{"ring": 0}, {"wait": 0.5}, {"say": "a message for the branch"}, {"wait": 10}])
    call_uuid = branch.calls.create(from_="14155557731", to_="14155557730",
                                    answer_url=customer.url("/branch-answer")).request_uuid
    action = customer.wait_for("/branch-recorded")[0].params
    recording_id, url = action["RecordingID"], action["RecordUrl"]
    assert f"/Account/{sub.auth_id}/Recording/{recording_id}.wav" in url
    files = list((voice_server.settings.data_dir / "recordings").rglob(f"{recording_id}.wav"))

    # the owner and its main account
    assert [r.recording_id for r in branch.recordings.list()] == [recording_id]
    assert branch.recordings.get(recording_id).call_uuid == call_uuid
    assert [r.recording_id for r in sdk.recordings.list(subaccount=sub.auth_id)] == [recording_id]
    assert sdk.recordings.list(subaccount=sibling.auth_id) == [] or sdk.last_json()["objects"] == []
    with voice_server.http() as anonymous:
        assert anonymous.get(url, auth=(sub.auth_id, sub.auth_token)).status_code == 200
        main_download = sim.http.get(url)  # the main account's credentials, the subaccount's URL
        assert main_download.status_code == 200 and main_download.content[:4] == b"RIFF"

        # a sibling subaccount: nothing, and it may not name another subaccount in a list
        other = (sibling.auth_id, sibling.auth_token)
        mine_path = url.replace(sub.auth_id, sibling.auth_id)
        assert anonymous.get(mine_path, auth=other).status_code == 404
        assert anonymous.get(mine_path.replace(".wav", "/"), auth=other).status_code == 404
        assert anonymous.delete(mine_path.replace(".wav", "/"), auth=other).status_code == 404
        assert anonymous.get(url, auth=other).status_code == 403  # the owner's URL: not its account
        assert anonymous.get(f"/v1/Account/{sibling.auth_id}/Recording/", auth=other).json()["objects"] == []
        listed = anonymous.get(f"/v1/Account/{sibling.auth_id}/Recording/", params={"subaccount": sub.auth_id},
                               auth=other)
        assert listed.status_code == 403 and set(listed.json()) == {"api_id", "error"}

        # another main account
        stranger = voice_server.new_main_account()
        theirs = (stranger.auth_id, stranger.auth_token)
        for path in (url.replace(sub.auth_id, stranger.auth_id),
                     f"/v1/Account/{stranger.auth_id}/Recording/{recording_id}/"):
            got = anonymous.get(path, auth=theirs)
            assert got.status_code == 404 and set(got.json()) == {"api_id", "error"}
        assert anonymous.delete(f"/v1/Account/{stranger.auth_id}/Recording/{recording_id}/",
                                auth=theirs).status_code == 404
        assert anonymous.get(url, auth=theirs).status_code == 403
        assert anonymous.get(url, auth=(sub.auth_id, "wrong-token-wrong-token")).status_code == 401
    assert len(files) == 1 and files[0].exists()  # none of them deleted it
    assert sim.http.get(url).status_code == 200


def test_stopping_one_recording_of_a_call_by_its_url(sdk, sim: Sim, customer: CustomerApp,
                                                     still_clock: None) -> None:  # noqa: F811
    customer.route("/answer", hold())
    customer.route("/stopped", "")
    sim.phone("14155557732", [{"ring": 0}, {"wait": 60}])
    uuid = sdk.calls.create(from_="14155557733", to_="14155557732", answer_url=customer.url("/answer")).request_uuid
    customer.wait_for("/answer")
    first = sdk.calls.record(uuid, callback_url=customer.url("/stopped"))
    second = sdk.calls.record(uuid, file_format="wav", callback_url=customer.url("/stopped"))
    auth = sim.account.auth_id
    stop = sim.http.request("DELETE", f"/v1/Account/{auth}/Call/{uuid}/Record/", json={"URL": second.url})
    assert stop.status_code == 204
    assert customer.wait_for("/stopped")[0].params["recording_id"] == second.recording_id
    again = sim.http.request("DELETE", f"/v1/Account/{auth}/Call/{uuid}/Record/", json={"URL": second.url})
    assert again.status_code == 404 and set(again.json()) == {"api_id", "error"}
    sdk.calls.record_stop(uuid)  # the rest: the first one
    stopped = [hit.params["recording_id"] for hit in customer.wait_for("/stopped", count=2)]
    assert stopped == [second.recording_id, first.recording_id]
    sdk.calls.delete(uuid)
