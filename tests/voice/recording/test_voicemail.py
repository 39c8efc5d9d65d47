"""Voicemail end to end: a prompt, the beep, the caller speaks and presses #, the action gets
RecordUrl and Plivo's duration fields, the file downloads (with the owner's credentials only)
and decodes to audio of the recorded length, and the transcription arrives."""

import io

import numpy as np
import soundfile
from plivo import plivoxml

from switchboard.media import audiofile, tones
from tests.helpers import MainAccount, assert_plivo_shape
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp

MESSAGE = "hello this is john please call me back tomorrow morning"


def voicemail(customer: CustomerApp) -> str:
    response = plivoxml.ResponseElement()
    response.add_speak("Please leave a message after the beep.")
    response.add_record(action=customer.url("/recorded"), max_length=30, finish_on_key="#", timeout=5,
                        transcription_type="auto", transcription_url=customer.url("/transcribed"),
                        transcription_method="GET",
                        callback_url=customer.url("/record-callback"))
    return response.to_string()


def thanks(_params: dict[str, str]) -> str:
    return plivoxml.ResponseElement().add_speak("Thank you, goodbye.").add_hangup().to_string()


def test_voicemail_end_to_end(sim: Sim, customer: CustomerApp, voice_server, voice_account: MainAccount) -> None:
    customer.route("/answer", voicemail(customer))
    customer.route("/recorded", thanks)
    for path in ("/record-callback", "/transcribed", "/hangup"):
        customer.route(path, "")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))

    call_uuid = sim.call("14155557700", number, [{"wait": 4}, {"say": MESSAGE}, {"press": "#"}, {"wait": 5}])
    action = customer.wait_for("/recorded")[0].params
    customer.wait_for("/hangup")

    assert action["CallUUID"] == call_uuid and action["Digits"] == "#"
    start, end, duration_ms = (int(action[k]) for k in ("RecordingStartMs", "RecordingEndMs", "RecordingDurationMs"))
    assert end - start == duration_ms
    assert int(action["RecordingDuration"]) == -(-duration_ms // 1000)  # seconds, rounded up
    # recorded from after the beep to the '#': the message (about 3.5 s) and the silence before it
    # (the virtual clock follows real time while the platform is busy, so allow some slack)
    assert 3000 < duration_ms < 8000
    auth = voice_account.auth_id
    assert action["RecordUrl"] == f"{voice_server.base_url}/v1/Account/{auth}/Recording/{action['RecordingID']}.mp3"
    log = sim.log("14155557700")
    assert [e["frequency"] for e in kinds(log, "heard_beep")] == [800]
    # redirect (default true): the action's answer ran
    assert [e["text"] for e in kinds(log, "heard_speech")] == ["Please leave a message after the beep.",
                                                              "Thank you, goodbye."]

    # the file: the owner downloads it; it is an MP3 of the recorded length with speech in it
    with voice_server.http(voice_account) as http:
        download = http.get(action["RecordUrl"])
    assert download.status_code == 200 and download.headers["content-type"] == "audio/mpeg"
    info = soundfile.info(io.BytesIO(download.content))  # the file itself: telephony rate, not resampled
    assert (info.format, info.samplerate, info.channels) == ("MP3", 8000, 1)
    samples = audiofile.decode(download.content)
    assert abs(len(samples) / 8000 - duration_ms / 1000) < 0.3  # MP3 frames pad the end by < 0.3 s
    assert np.abs(samples.astype(np.int32)).max() > 3000
    assert tones.detect_dtmf(samples) == ""  # the '#' that ended it is not in the file

    # others cannot: no credentials → 401, another account → 404
    with voice_server.http() as anonymous:
        assert anonymous.get(action["RecordUrl"]).status_code == 401
    other = voice_server.new_main_account()
    with voice_server.http(other) as http:
        stranger = http.get(action["RecordUrl"].replace(auth, other.auth_id))
        assert stranger.status_code == 404 and "error" in stranger.json()

    callback = customer.wait_for("/record-callback")[0].params
    assert callback["RecordingID"] == action["RecordingID"] and "Digits" not in callback
    assert callback["RecordingDurationMs"] == action["RecordingDurationMs"]

    [hit] = customer.wait_for("/transcribed", timeout=60)
    transcription = hit.params
    assert hit.method == "GET"
    assert transcription["recording_id"] == action["RecordingID"] and transcription["call_uuid"] == call_uuid
    assert transcription["error"] == "" and transcription["transcription"].strip()
    assert transcription["duration"] == action["RecordingDuration"]
    assert (transcription["transcription_rate"], transcription["transcription_charge"]) == ("0.00000", "0.00000")

    with voice_server.http(voice_account) as http:
        got = http.get(f"/v1/Account/{auth}/Recording/{action['RecordingID']}/").json()
    assert_plivo_shape(got, "recordingGetAddedFilterResponse", extra=("api_id",))
    assert got["recording_type"] == "call" and got["call_uuid"] == call_uuid and got["from_number"] == "14155557700"
    assert float(got["recording_duration_ms"]) == duration_ms
