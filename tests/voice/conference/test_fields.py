"""The field sweep for conferences: a live conference and its members as a client fetches them,
every key against Plivo's fixture and every value against plivo-go's types."""

from tests import go_sdk_types as go
from tests.helpers import assert_plivo_shape
from tests.voice.conference.test_routes import join
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.test_live import still_clock  # noqa: F401 (fixture)


def test_conference_fields(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    customer.route("/events", "")
    customer.route("/hangup", "")
    customer.route("/left", "")
    sim.phone("14155563091", [{"ring": 0}])
    sim.phone("14155563092", [{"ring": 0}])
    calls = [join(sdk, customer, number, "Fields Room") for number in ("14155563091", "14155563092")]
    customer.wait_for("/events", 2)
    sdk.conferences.get("Fields Room")
    body = sdk.last_json()
    assert_plivo_shape(body, "conferenceGetResponse", go=go.CONFERENCE)
    assert len(body["members"]) == 2
    for call_uuid in calls:
        sdk.calls.delete(call_uuid)
    customer.wait_for("/hangup", 2)
