"""``Call/{uuid}/Stream/`` through the official Python SDK: start on a live call, list, get, stop
one and all, with the SDK fixtures' shapes; and what the API refuses."""

import pytest
from plivo import exceptions

from tests.helpers import assert_plivo_shape
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import inbound
from tests.voice.stream.agent import Agent
from tests.voice.test_live import wait_until

CALLER = "14155558821"
HOLD = '<Response><Speak>Please hold.</Speak><Wait length="60"/></Response>'
OBJECT_EXTRA = ("audio_track", "bidirectional", "bill_duration", "billed_amount", "content_type", "created_at",
                "plivo_auth_id", "resource_uri", "rounded_bill_duration")


def test_start_list_get_and_stop_streams(sdk, sim: Sim, customer: CustomerApp, agent: Agent, still_clock: None) -> None:
    customer.route("/stream-status", "")
    call_uuid = inbound(sim, customer, CALLER, HOLD,
                        [{"wait": 3}, {"say": "is anybody there"}, {"wait": 30}])
    wait_until(lambda: kinds(sim.log(CALLER), "heard_speech"))
    with pytest.raises(exceptions.ValidationError):  # not a WebSocket URL
        sdk.calls.start_stream(call_uuid, "https://example.com/agent")
    sdk.calls.start_stream(call_uuid, agent.url, bidirectional=True, audio_track="inbound",
                           content_type="audio/x-l16;rate=16000", stream_timeout=120,
                           status_callback_url=customer.url("/stream-status"), extra_headers="a=1")
    assert sdk.last_status == 201
    started = sdk.last_json()
    assert_plivo_shape(started, "liveCallStreamCreateResponse")
    assert started["message"] == "audio streaming started"
    stream_id = started["stream_id"]
    with pytest.raises(exceptions.ValidationError):  # a second stream to the same URL
        sdk.calls.start_stream(call_uuid, agent.url)
    wait_until(lambda: agent.starts)
    assert agent.starts[0].start.stream_id == stream_id
    assert (agent.starts[0].start.media_format.encoding, agent.starts[0].start.media_format.sample_rate) == (
        "audio/x-l16", 16000)

    sdk.calls.get_all_streams(call_uuid)
    listed = sdk.last_json()
    assert_plivo_shape(listed, "liveCallStreamGetAllResponse", extra=OBJECT_EXTRA + ("total_count",))
    [item] = listed["objects"]
    assert item["stream_id"] == stream_id and item["status"] == "in-progress" and item["call_uuid"] == call_uuid
    assert item["bidirectional"] is True and item["content_type"] == "audio/x-l16;rate=16000"
    assert listed["meta"]["count"] == listed["meta"]["total_count"] == 1

    sdk.calls.get_details_of_specific_stream(call_uuid, stream_id)
    got = sdk.last_json()
    assert got["stream_id"] == stream_id and got["start_time"] is not None and got["end_time"] is None

    wait_until(lambda: agent.loud_seconds() > 0.8)
    sdk.calls.delete_specific_stream(call_uuid, stream_id)
    assert sdk.last_status == 204
    agent.wait_closed()
    wait_until(lambda: sdk.calls.get_details_of_specific_stream(call_uuid, stream_id)
               and sdk.last_json()["status"] == "completed")
    ended = sdk.last_json()
    assert ended["end_time"] is not None and isinstance(ended["bill_duration"], int)
    assert ended["rounded_bill_duration"] == "60" and ended["billed_amount"] == "0.00000"
    assert 0.8 <= agent.loud_seconds() <= 2.5  # the caller's words reached the agent at 16 kHz
    with pytest.raises(exceptions.ValidationError):  # nothing active any more
        sdk.calls.delete_all_streams(call_uuid)
    events = [hit.params["Event"] for hit in customer.wait_for("/stream-status", 2)]
    assert events == ["StartStream", "StopStream"]

    sdk.calls.start_stream(call_uuid, agent.url)
    second = sdk.last_json()["stream_id"]
    sdk.calls.delete_all_streams(call_uuid)
    assert sdk.last_status == 204
    assert [s["stream_id"] for s in (sdk.calls.get_all_streams(call_uuid) and sdk.last_json())["objects"]] == [
        stream_id, second]
    sdk.calls.delete(call_uuid)

    def streams_used() -> list[dict[str, object]]:
        day = ended["end_time"][:10]
        report = sim.http.get(f"/v1/Account/{sim.account.auth_id}/Usage/", params={"start_date": day}).json()
        assert "usage" in report, report
        usage = report["usage"]
        return [line for line in usage if line["service"] == "streams" and line["count"] == 2]

    [line] = wait_until(streams_used)  # each stream charged once, per started minute, at the shipped rate 0
    assert (line["quantity"], line["unit"], line["amount"]) == ("2", "minutes", "0.00000")


def test_streams_of_unknown_calls_and_bad_parameters(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.calls.start_stream("d0b1f0c4-0000-4000-8000-000000000000", "wss://agent.example/ws")
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.calls.get_all_streams("d0b1f0c4-0000-4000-8000-000000000000")
    call_uuid = inbound(sim, customer, "14155558822", HOLD, [{"wait": 30}])
    wait_until(lambda: kinds(sim.log("14155558822"), "heard_speech"))
    for bad in ({"content_type": "audio/wav"}, {"audio_track": "sideways"}, {"stream_timeout": 0},
                {"bidirectional": True, "audio_track": "both"}):
        with pytest.raises(exceptions.ValidationError):
            sdk.calls.start_stream(call_uuid, "wss://agent.example/ws", **bad)
    with pytest.raises(exceptions.ValidationError):
        sdk.calls.delete_all_streams(call_uuid)
    sdk.calls.get_all_streams(call_uuid)
    assert sdk.last_json()["objects"] == []
    sdk.calls.delete(call_uuid)
