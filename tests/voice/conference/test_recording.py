"""Conference recording: ``POST/DELETE Conference/{name}/Record/`` through the official SDK (the
file holds what the room carried, the Recording resource lists it as a conference recording, the
callback gets the API's snake_case parameters) and ``<Conference record="true">``."""

import time

import pytest
from plivo import exceptions

from tests.helpers import assert_plivo_shape
from tests.voice.conference.test_element import call_in, events, number_for, room_xml
from tests.voice.conference.test_routes import join
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import decode, download, level, recordings
from tests.voice.test_live import still_clock, wait_until  # noqa: F401 (fixture)

SPOKEN = "Good morning team, the build is green."


def test_record_api(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    customer.route("/events", "")
    customer.route("/hangup", "")
    customer.route("/left", "")
    customer.route("/recorded", "")
    sim.phone("14155563101", [{"ring": 0}, {"wait": 6}, {"say": SPOKEN}, {"wait": 60}])
    sim.phone("14155563102", [{"ring": 0}, {"wait": 60}])
    first = join(sdk, customer, "14155563101", "Standup")
    join(sdk, customer, "14155563102", "Standup")
    customer.wait_for("/events", 2)

    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.conferences.record_stop("Standup")  # nothing is recording yet
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.conferences.record("Nowhere")
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.conferences.record_stop("Nowhere")
    with pytest.raises(exceptions.ValidationError):
        sdk.conferences.record("Standup", file_format="ogg")

    sdk.conferences.record("Standup", file_format="wav", callback_url=customer.url("/recorded"))
    assert sdk.last_status == 202
    started = sdk.last_json()
    assert_plivo_shape(started, "conferenceRecordCreateResponse")
    assert started["message"] == "conference recording started" and started["url"].endswith(".wav")
    wait_until(lambda: any(e["text"] == SPOKEN for e in kinds(sim.log("14155563102"), "heard_voice")), 20)
    time.sleep(3.0)  # let the sentence finish in the room
    sdk.conferences.record_stop("Standup")
    assert sdk.last_status == 204
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.conferences.record_stop("Standup")  # stopped already

    callback = customer.wait_for("/recorded")[0].params
    assert callback["recording_id"] == started["recording_id"] and callback["record_url"] == started["url"]
    assert callback["conference_name"] == "Standup" and "call_uuid" not in callback
    assert callback["api_id"] == started["api_id"]  # Plivo: the api_id the record API returned
    assert int(callback["recording_duration_ms"]) >= 3000
    [row] = recordings(sim, conference_name="Standup")
    assert row["recording_id"] == started["recording_id"] and row["recording_type"] == "conference"
    assert row["recording_format"] == "wav" and row["recording_url"] == started["url"]
    samples = decode(download(sim, row["recording_url"]))
    assert level(samples, 0.0, 0.3) < 100  # nothing was said in the room at first
    assert level(samples, 0.0, len(samples) / 8000) > 3000  # then the member's sentence
    sdk.calls.delete(first)


def test_conference_record_attribute(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/hangup", "")
    customer.route("/events", "")
    customer.route("/action", "")
    xml = room_xml("weekly", record=True, record_file_format="wav", callback_url=customer.url("/events"),
                   action=customer.url("/action"), enter_sound="beep:1", hangup_on_star=True)
    number = number_for(sim, customer, "/room", xml)
    call_in(sim, "14155563111", number, [{"wait": 4}, {"press": "*"}, {"wait": 1}, {"hangup": True}])
    call_in(sim, "14155563112", number, [{"wait": 2}, {"say": SPOKEN}, {"wait": 8}, {"hangup": True}])
    customer.wait_for("/hangup", 2)
    [event] = [hit for hit in events(customer, 5) if hit["ConferenceAction"] == "record"]  # enter/exit ×2, record
    action = customer.wait_for("/action")[0].params  # the first caller left with *
    [row] = recordings(sim, conference_name="weekly")
    assert row["recording_type"] == "conference" and row["recording_format"] == "wav"
    assert event["RecordingID"] == row["recording_id"] and event["RecordUrl"] == row["recording_url"]
    assert event["ConferenceName"] == "weekly" and int(event["RecordingDurationMs"]) > 0
    assert action["RecordingID"] == row["recording_id"] and action["RecordUrl"] == row["recording_url"]
    samples = decode(download(sim, row["recording_url"]))
    assert level(samples, 1.5, 5.0) > 3000  # the second caller's sentence (after the enter beep)


def test_record_when_alone(sim: Sim, customer: CustomerApp) -> None:
    """Alone in a room, ``record`` waits for a second member; ``recordWhenAlone`` records at once."""
    customer.route("/hangup", "")
    customer.route("/events", "")
    for name, alone in (("solo-waits", False), ("solo-records", True)):
        number = number_for(sim, customer, f"/{name}", room_xml(name, record=True, record_when_alone=alone,
                                                                callback_url=customer.url("/events")))
        call_in(sim, "14155563121", number, [{"wait": 1}, {"say": SPOKEN}, {"wait": 4}, {"hangup": True}])
        customer.wait_for("/hangup", 2 if alone else 1)
    [event] = [hit for hit in events(customer, 5) if hit["ConferenceAction"] == "record"]
    assert recordings(sim, conference_name="solo-waits") == []
    [row] = recordings(sim, conference_name="solo-records")
    assert event["RecordingID"] == row["recording_id"] and event["ConferenceName"] == "solo-records"
    assert level(decode(download(sim, row["recording_url"])), 0.5, 4.0) > 3000
