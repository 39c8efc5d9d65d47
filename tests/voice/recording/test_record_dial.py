"""``<Record>`` with ``<Dial>``: ``startOnDialAnswer`` records the bridge only, and a
``recordSession`` keeps recording through a bridge with the B-party in the file."""

import io
import wave

import numpy as np
from plivo import plivoxml

from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import decode, download, inbound, level, recordings


def _stereo(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    with wave.open(io.BytesIO(data)) as reader:
        assert reader.getnchannels() == 2
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    return frames[0::2], frames[1::2]


def test_start_on_dial_answer_records_the_bridged_conversation(sim: Sim, customer: CustomerApp) -> None:
    callee = "14155562101"
    sim.phone(callee, [{"ring": 2}, {"wait": 3}, {"say": "This is the callee answering you."}, {"wait": 6},
                       {"hangup": True}])
    response = plivoxml.ResponseElement()
    response.add_record(action=customer.url("/record-started"), start_on_dial_answer=True, redirect=False,
                        file_format="wav", callback_url=customer.url("/record-done"), max_length=600)
    response.add_speak("Connecting you now, this prompt is not recorded.")
    dial = plivoxml.DialElement(action=customer.url("/dialled"), redirect=False)
    dial.add_number(callee)
    response.add(dial)
    response.add_wait(length=2)
    customer.route("/record-started", "")
    customer.route("/dialled", "")
    customer.route("/record-done", "")
    call_uuid = inbound(sim, customer, "14155562100", response.to_string(),
                        [{"wait": 13}, {"say": "Hello callee, the caller speaking here."}, {"wait": 20}])

    started = customer.wait_for("/record-started")[0].params
    assert started["RecordingDuration"] == "-1" and started["RecordingDurationMs"] == "-1"
    assert started["RecordingStartMs"] == "-1" and started["RecordingEndMs"] == "-1"
    assert started["RecordUrl"] == "" and started["RecordingID"] == "" and started["CallUUID"] == call_uuid
    dialled = customer.wait_for("/dialled")[0].params
    assert dialled["DialStatus"] == "completed"
    done = customer.wait_for("/record-done")[0].params
    assert done["CallUUID"] == call_uuid and "Digits" not in done
    assert done["RecordUrl"].endswith(f"{done['RecordingID']}.wav")
    # the bridge, not the whole call: it starts at the answer and stops when the callee hangs up
    duration_ms = int(done["RecordingDurationMs"])
    assert 9000 <= duration_ms < 14000 and done["RecordingDuration"] == str(-(-duration_ms // 1000))  # s, rounded up
    assert int(done["RecordingEndMs"]) - int(done["RecordingStartMs"]) == duration_ms

    [row] = recordings(sim, call_uuid=call_uuid)
    assert row["recording_id"] == done["RecordingID"] and row["recording_type"] == "call"
    assert row["recording_format"] == "wav"
    left, right = _stereo(download(sim, done["RecordUrl"]))
    assert abs(len(left) / 8000 - duration_ms / 1000) < 0.01
    # the callee speaks 3 s into the bridge (right: the platform side), the caller later (left)
    callee_at = np.flatnonzero(np.abs(right.astype(np.int32)) > 1000)
    caller_at = np.flatnonzero(np.abs(left.astype(np.int32)) > 1000)
    assert len(callee_at) and len(caller_at)
    assert level(left, 0.0, 2.5) < 100 and level(right, 0.0, 2.5) < 100  # nobody spoke yet, no prompt in it
    assert callee_at[0] / 8000 < caller_at[0] / 8000
    assert level(left, callee_at[0] / 8000, callee_at[0] / 8000 + 0.5) < 100  # the sides stay apart


def test_record_session_hears_the_b_party_of_a_later_dial(sim: Sim, customer: CustomerApp) -> None:
    callee = "14155562201"
    sim.phone(callee, [{"ring": 1}, {"wait": 2}, {"say": "Callee here with some words."}, {"wait": 5},
                       {"hangup": True}])
    response = plivoxml.ResponseElement()
    response.add(plivoxml.RecordElement(action=customer.url("/session-started"), record_session=True, redirect=False,
                                        record_channel_type="mono", callback_url=customer.url("/session-done"),
                                        max_length=600))
    dial = plivoxml.DialElement()
    dial.add_number(callee)
    response.add(dial)
    response.add_speak("The call goes on after the bridge.")
    customer.route("/session-started", "")
    customer.route("/session-done", "")
    call_uuid = inbound(sim, customer, "14155562200", response.to_string(),
                        [{"wait": 7}, {"say": "Caller here in the bridge."}, {"wait": 20}])

    started = customer.wait_for("/session-started")[0].params
    assert started["RecordingDuration"] == "-1" and started["RecordUrl"].endswith(f"{started['RecordingID']}.mp3")
    done = customer.wait_for("/session-done")[0].params
    assert done["RecordingID"] == started["RecordingID"] and done["CallUUID"] == call_uuid
    [row] = recordings(sim, call_uuid=call_uuid)
    assert row["recording_id"] == started["RecordingID"]

    samples = decode(download(sim, started["RecordUrl"]))  # mono: both parties mixed
    loud = np.abs(samples.astype(np.int32)) > 1000
    # the callee answers ~1 s in and speaks 2 s later; the caller speaks at 7 s; the prompt after the bridge
    callee_spoke = level(samples, 2.8, 4.5)
    caller_spoke = level(samples, 7.2, 8.5)
    assert callee_spoke > 1000 and caller_spoke > 1000, (callee_spoke, caller_spoke, np.flatnonzero(loud)[:5] / 8000)


def test_start_on_dial_answer_without_an_answer_records_nothing(sim: Sim, customer: CustomerApp) -> None:
    busy = "14155562301"
    sim.phone(busy, [{"reject": "busy"}])
    response = plivoxml.ResponseElement()
    response.add_record(action=customer.url("/record-started"), start_on_dial_answer=True, redirect=False,
                        callback_url=customer.url("/record-done"))
    dial = plivoxml.DialElement(action=customer.url("/dialled"), redirect=False)
    dial.add_number(busy)
    response.add(dial)
    customer.route("/record-started", "")
    customer.route("/dialled", "")
    customer.route("/record-done", "")
    call_uuid = inbound(sim, customer, "14155562300", response.to_string(), [{"wait": 10}])
    assert customer.wait_for("/record-started")[0].params["RecordingDuration"] == "-1"
    assert customer.wait_for("/dialled")[0].params["DialStatus"] == "busy"
    customer.wait_for("/hangup")
    assert recordings(sim, call_uuid=call_uuid) == []
    assert customer.requests_to("/record-done") == []
