"""<Record> on both networks: the beep, the action parameters, and the caller's audio in the file."""

import pytest

from switchboard.media import audiofile
from tests.voice.behaviour.heard import from_audio
from tests.voice.behaviour.phones import BEEP, Network
from tests.voice.behaviour.test_elements import outbound

SCRIPT = [{"wait": 2}, {"say": "Please call me back tomorrow morning."}, {"press": "#"}, {"wait": 5}]


def record(net: Network) -> dict[str, str]:
    xml = (f'<Response><Speak>Leave a message.</Speak><Record action="{net.customer.url("/recorded")}" '
           'maxLength="10" finishOnKey="#" playBeep="true"/></Response>')
    phone, answer, _ = outbound(net, xml, SCRIPT, recorded="<Response><Speak>Saved.</Speak></Response>")
    action = net.customer.wait_for("/recorded")[0].params
    assert action["CallUUID"] == answer["CallUUID"]
    assert phone.heard().tone(BEEP) > 0.1
    return action


def test_record_beeps_and_reports_the_recording(net: Network) -> None:
    action = record(net)
    assert action["Digits"] == "#" and action["RecordUrl"].endswith(".mp3") and action["RecordingID"]
    assert 1 <= int(action["RecordingDuration"]) <= 10 and int(action["RecordingDurationMs"]) > 1000


def test_the_recording_holds_the_callers_speech(net: Network) -> None:
    action = record(net)
    response = net.http.get(action["RecordUrl"])
    assert response.status_code == 200, response.text
    assert from_audio(audiofile.decode(response.content), [], "").speech > 1.0
