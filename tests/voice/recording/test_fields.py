"""The field sweep for recordings: a recording as a client fetches it, every key against Plivo's
fixture and every value against plivo-go's types."""

from tests import go_sdk_types as go
from tests.helpers import assert_plivo_shape
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import inbound
from tests.voice.recording.test_record import record_xml


def test_recording_fields(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/recorded", "")
    inbound(sim, customer, "14155557791", record_xml(customer, max_length=2, play_beep=False), [{"say": "hello"}])
    recording_id = customer.wait_for("/recorded")[0].params["RecordingID"]
    customer.wait_for("/hangup")
    sdk.recordings.get(recording_id)
    # Plivo's fixture answers a conference recording; a call's recording has from and to numbers (Go struct)
    assert_plivo_shape(sdk.last_json(), "recordingGetResponse", go=go.RECORDING)
    sdk.recordings.list()
    for item in sdk.last_json()["objects"]:
        assert_plivo_shape(item, "recordingListResponse", go=go.RECORDING)
