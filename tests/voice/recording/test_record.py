"""``<Record>``: how a recording ends (key, silence, maxLength, hangup), what the file holds, the
session mode and its callback, and the inputs Plivo refuses."""

import io
import wave

import numpy as np
from plivo import plivoxml

from switchboard.media import tones
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import decode, download, inbound, level, recordings


def record_xml(customer: CustomerApp, **attributes: object) -> str:
    response = plivoxml.ResponseElement()
    response.add_record(action=customer.url("/recorded"), redirect=False, **attributes)
    response.add_speak("After the recording.")
    return response.to_string()


def test_silence_timeout_ends_the_recording_and_digits_are_empty(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/recorded", "")
    inbound(sim, customer, "14155557701", record_xml(customer, timeout=3, play_beep=False),
            [{"say": "short message"}, {"wait": 30}])
    action = customer.wait_for("/recorded")[0].params
    assert action["Digits"] == ""
    # about 1 s of speech, then 3 s of silence
    assert 3500 <= int(action["RecordingDurationMs"]) <= 4500
    customer.wait_for("/hangup")
    heard = [e["text"] for e in kinds(sim.log("14155557701"), "heard_speech")]
    assert heard == ["After the recording."]  # redirect=false: the document went on
    assert kinds(sim.log("14155557701"), "heard_beep") == []  # playBeep=false


def test_max_length_cuts_a_long_message(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/recorded", "")
    long_message = " ".join(["this message goes on and on"] * 6)
    inbound(sim, customer, "14155557702", record_xml(customer, max_length=4, play_beep=False),
            [{"say": long_message}])
    action = customer.wait_for("/recorded")[0].params
    assert action["RecordingDurationMs"] == "4000" and action["RecordingDuration"] == "4"
    samples = decode(download(sim, action["RecordUrl"]))
    assert level(samples, 0.2, 3.8) > 3000  # speech all the way through


def test_any_of_several_finish_keys_and_other_keys_are_recorded_as_tones(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/recorded", "")
    inbound(sim, customer, "14155557703", record_xml(customer, finish_on_key="*9", file_format="wav", play_beep=False,
                                                     method="GET"),
            [{"wait": 1}, {"press": "5"}, {"wait": 1}, {"press": "9"}, {"wait": 10}])
    [hit] = customer.wait_for("/recorded")
    action = hit.params
    assert hit.method == "GET" and action["Digits"] == "9" and action["RecordUrl"].endswith(".wav")
    data = download(sim, action["RecordUrl"])
    with wave.open(io.BytesIO(data)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (8000, 1, 2)
        assert abs(reader.getnframes() - int(action["RecordingDurationMs"]) * 8) <= 8
    assert tones.detect_dtmf(decode(data)) == "5"


def test_a_caller_who_hangs_up_still_leaves_a_message(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/recorded", "")
    inbound(sim, customer, "14155557704", record_xml(customer, play_beep=True),
            [{"wait": 1}, {"say": "call me"}, {"hangup": True}])
    action = customer.wait_for("/recorded")[0].params
    assert action["Digits"] == "" and int(action["RecordingDurationMs"]) > 1000
    assert level(decode(download(sim, action["RecordUrl"])), 0.0, 5.0) > 3000


def test_hanging_up_during_the_beep_records_nothing(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/recorded", "")
    response = plivoxml.ResponseElement()
    response.add_speak("Leave a message.")
    response.add_record(action=customer.url("/recorded"))
    call_uuid = inbound(sim, customer, "14155557705", response.to_string(), [{"wait": 1.55}, {"hangup": True}])
    customer.wait_for("/hangup")
    log = sim.log("14155557705")
    assert kinds(log, "heard_beep") and "interrupted_after" in kinds(log, "heard_beep")[0]
    assert sim.record(call_uuid)["hangup_cause_name"] == "Normal Hangup"
    assert customer.requests_to("/recorded") == []
    assert recordings(sim, call_uuid=call_uuid) == []


def test_record_session_records_both_sides_in_stereo_and_calls_back_at_the_end(sim: Sim,
                                                                                 customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_record(action=customer.url("/session-started"), record_session=True, redirect=False,
                        callback_url=customer.url("/session-done"), callback_method="GET", max_length=600)
    response.add_speak("Hello caller, this prompt is recorded on the right.")
    response.add_wait(length=4)
    customer.route("/session-started", "<Response><Speak>ignored</Speak></Response>")
    customer.route("/session-done", "")
    call_uuid = inbound(sim, customer, "14155557706", response.to_string(),
                        [{"wait": 4}, {"say": "and I am on the left"}])
    started = customer.wait_for("/session-started")[0].params
    assert started["RecordingDuration"] == "-1" and started["RecordingDurationMs"] == "-1"
    assert started["RecordUrl"].endswith(f"{started['RecordingID']}.mp3")
    [hit] = customer.wait_for("/session-done")
    done = hit.params
    assert hit.method == "GET" and done["RecordingID"] == started["RecordingID"] and "Digits" not in done
    assert done["CallUUID"] == call_uuid
    assert int(done["RecordingDurationMs"]) > 6000
    heard = [e["text"] for e in kinds(sim.log("14155557706"), "heard_speech")]
    assert heard == ["Hello caller, this prompt is recorded on the right."]  # redirect=false: answer ignored

    samples = decode(download(sim, started["RecordUrl"]))  # decoded to mono: both sides are in it
    assert level(samples, 0.2, 2.5) > 1000 and level(samples, 4.2, 5.8) > 1000  # stereo averaged: half level
    [row] = recordings(sim, call_uuid=call_uuid)
    assert row["recording_id"] == started["RecordingID"]


def test_session_stereo_keeps_the_sides_apart(sim: Sim, customer: CustomerApp, voice_server) -> None:
    response = plivoxml.ResponseElement()
    response.add_record(record_session=True, file_format="wav", callback_url=customer.url("/done"))  # stereo: default
    response.add_speak("Platform speaking first.")
    response.add_wait(length=5)
    customer.route("/done", "")
    inbound(sim, customer, "14155557707", response.to_string(), [{"wait": 3}, {"say": "caller speaking second"}])
    done = customer.wait_for("/done")[0].params
    with wave.open(io.BytesIO(download(sim, done["RecordUrl"]))) as reader:
        assert reader.getnchannels() == 2
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    left, right = frames[0::2], frames[1::2]
    assert level(left, 0.0, 1.5) < 100 < level(right, 0.0, 1.5)  # the prompt: platform side only
    assert level(right, 3.2, 4.5) < 100 < level(left, 3.2, 4.5)  # the caller: far-end side only


def test_max_length_zero_or_huge_and_bad_format_are_invalid_xml(sim: Sim, customer: CustomerApp) -> None:
    for caller, record in (("14155557708", '<Record maxLength="0"/>'), ("14155557709", '<Record maxLength="999999"/>'),
                           ("14155557710", '<Record fileFormat="ogg"/>')):
        call_uuid = inbound(sim, customer, caller, f"<Response>{record}<Speak>never</Speak></Response>", [])
        assert sim.record(call_uuid)["hangup_cause_code"] == 8011
        assert kinds(sim.log(caller), "heard_speech") == []
    entries = sim.http.get(f"/v1/Account/{sim.account.auth_id}/WebhookLog/", params={"errors": "true"}).json()
    errors = " ".join(e["error"] for e in entries["objects"])
    assert "maxLength" in errors and "fileFormat" in errors


def _tone_wav(seconds: float, frequency: float, rate: int) -> bytes:
    times = np.arange(int(seconds * rate)) / rate
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes((np.sin(2 * np.pi * frequency * times) * 12000).astype("<i2").tobytes())
    return buffer.getvalue()


def test_the_file_holds_a_played_file_the_callers_keys_and_silence(sim: Sim, customer: CustomerApp) -> None:
    """What the line carried, side by side: the platform's ``<Play>`` (a 16 kHz file, resampled to
    the recording's 8 kHz) on the right, the caller's key as its DTMF pair on the left, silence
    where nobody sent anything."""
    customer.route("/tone.wav", _tone_wav(1.0, 1000, 16000))
    customer.route("/done", "")
    response = plivoxml.ResponseElement()
    response.add_record(record_session=True, file_format="wav", callback_url=customer.url("/done"))
    response.add_play(customer.url("/tone.wav"))
    response.add_wait(length=3)
    inbound(sim, customer, "14155557720", response.to_string(), [{"wait": 2}, {"press": "7"}, {"wait": 1.5},
                                                                 {"hangup": True}])
    done = customer.wait_for("/done")[0].params
    with wave.open(io.BytesIO(download(sim, done["RecordUrl"]))) as reader:
        assert (reader.getframerate(), reader.getnchannels()) == (8000, 2)
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    caller, platform = frames[0::2], frames[1::2]
    played = platform[int(0.1 * 8000):int(0.9 * 8000)].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(played))
    assert abs(np.argmax(spectrum) * 8000 / len(played) - 1000) < 5 and level(platform, 0.1, 0.9) > 8000
    assert level(platform, 1.1, 3.4) == 0 and level(caller, 0.0, 1.9) == 0  # silence is silence
    assert tones.detect_dtmf(caller) == "7" and tones.detect_dtmf(platform) == ""
    assert level(caller, 2.0, 2.1) > 3000


def test_with_no_finish_key_a_hash_is_recorded_and_silence_ends_it(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/recorded", "")
    inbound(sim, customer, "14155557721", record_xml(customer, finish_on_key="none", timeout=2, play_beep=False),
            [{"wait": 0.5}, {"press": "#"}, {"wait": 10}])
    action = customer.wait_for("/recorded")[0].params
    assert action["Digits"] == ""
    assert tones.detect_dtmf(decode(download(sim, action["RecordUrl"]))) == "#"


def test_record_session_as_the_last_element_hangs_up_and_reports_the_recording(sim: Sim,
                                                                              customer: CustomerApp) -> None:
    """A non-blocking ``recordSession`` ending the document: the call hangs up at once (4010,
    as after any last element), and the recording, as long as the call was, still reaches
    ``callbackUrl``."""
    response = plivoxml.ResponseElement()
    response.add_record(record_session=True, callback_url=customer.url("/session-done"))
    customer.route("/session-done", "")
    call_uuid = inbound(sim, customer, "14155557722", response.to_string(), [{"wait": 30}])
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "4010" and int(hangup["Duration"]) <= 1
    done = customer.wait_for("/session-done")[0].params
    assert done["CallUUID"] == call_uuid and int(done["RecordingDurationMs"]) < 1000
    assert [r["recording_id"] for r in recordings(sim, call_uuid=call_uuid)] == [done["RecordingID"]]


def test_a_recording_of_half_a_second_or_less_is_not_transcribed(sim: Sim, customer: CustomerApp) -> None:
    """Plivo transcribes recordings longer than 500 ms (and shorter than four hours): a shorter one
    gets an empty transcription with an error, and the Transcription resource says failed."""
    customer.route("/recorded", "")
    customer.route("/transcribed", "")
    inbound(sim, customer, "14155557723",
            record_xml(customer, play_beep=False, transcription_type="auto",
                       transcription_url=customer.url("/transcribed")),
            [{"wait": 0.2}, {"press": "#"}, {"wait": 5}])
    action = customer.wait_for("/recorded")[0].params
    assert action["Digits"] == "#" and int(action["RecordingDurationMs"]) <= 500
    transcribed = customer.wait_for("/transcribed")[0].params
    assert transcribed["transcription"] == "" and transcribed["error"] == "Recording duration too short for transcription"
    got = sim.http.get(f"/v1/Account/{sim.account.auth_id}/Transcription/{action['RecordingID']}/").json()
    assert got["status"] == "failed"
