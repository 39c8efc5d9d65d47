"""A call between two of the platform's own numbers (the simulated loop): what one application
plays is what the other one's recording hears."""

import io
import wave

import numpy as np
from plivo import plivoxml

from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import download, level


def test_the_called_application_records_what_the_caller_application_played(sdk, sim: Sim,
                                                                            customer: CustomerApp) -> None:
    called = plivoxml.ResponseElement()
    called.add_record(record_session=True, file_format="wav", callback_url=customer.url("/recorded"))
    called.add_wait(length=10)
    caller = plivoxml.ResponseElement()
    caller.add_wait(length=1)
    caller.add_speak("Hello from the other application.")
    caller.add_hangup()
    customer.route("/called", called.to_string())
    customer.route("/caller", caller.to_string())
    customer.route("/recorded", "")
    number = sim.rent_number(sim.application(customer.url("/called")))
    sdk.calls.create(from_="14155557718", to_=number, answer_url=customer.url("/caller"))
    done = customer.wait_for("/recorded")[0].params
    with wave.open(io.BytesIO(download(sim, done["RecordUrl"]))) as reader:
        assert reader.getnchannels() == 2
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    far_end, platform = frames[0::2], frames[1::2]
    seconds = len(far_end) / 8000
    assert 2.5 < seconds < 5.0  # the caller's second of silence, its sentence, then its hangup
    assert level(far_end, 1.2, 2.5) > 3000 and level(platform, 0.0, seconds) == 0
