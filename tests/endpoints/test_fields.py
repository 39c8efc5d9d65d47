"""The field sweep for endpoints: an endpoint as a client fetches it, every key against Plivo's
fixture and every value against plivo-go's types."""

from tests import go_sdk_types as go
from tests.helpers import RecordingClient, assert_plivo_shape

# `password` and `app_id` are in the Go struct for create requests; Plivo never returns the
# password and names the linked application `application` (a resource URI).
UNSERVED = ("password", "app_id")
# Null as the fixture has `sub_account`: an endpoint never registered has no contact, expiry or agent.
NULLS = ("sip_contact", "sip_expires", "sip_user_agent", "application")


def test_endpoint_fields(client: RecordingClient) -> None:
    created = client.endpoints.create(username="desk", password="s3cret!", alias="Front desk")
    client.endpoints.get(created.endpoint_id)
    assert_plivo_shape(client.last_json(), "endpointGetResponse", {"api_id": "string"}, go=go.ENDPOINT,
                       unserved=UNSERVED, nulls=NULLS)
    client.endpoints.list()
    for item in client.last_json()["objects"]:
        assert_plivo_shape(item, "endpointListResponse", go=go.ENDPOINT, unserved=UNSERVED, nulls=NULLS)
