"""The field sweep for the account area: the account, a subaccount and an application as a client
fetches them, every key against Plivo's fixture and every value against plivo-go's types."""

from tests import go_sdk_types as go
from tests.helpers import RecordingClient, assert_plivo_shape


def test_account_fields(client: RecordingClient) -> None:
    client.account.get()
    assert_plivo_shape(client.last_json(), "accountGetResponse", go=go.ACCOUNT)


def test_subaccount_fields(client: RecordingClient) -> None:
    created = client.subaccounts.create(name="Branch", enabled=True)
    client.subaccounts.get(created.auth_id)
    assert_plivo_shape(client.last_json(), "subaccountGetResponse", go=go.SUBACCOUNT)
    client.subaccounts.list()
    for item in client.last_json()["objects"]:
        assert_plivo_shape(item, "subaccountListResponse", go=go.SUBACCOUNT, unserved=("api_id",))


def test_application_fields(client: RecordingClient) -> None:
    created = client.applications.create(app_name="IVR", answer_url="https://example.com/answer",
                                         log_incoming_messages=False)
    client.applications.get(created.app_id)
    body = client.last_json()
    assert_plivo_shape(body, "applicationGetResponse", {"application_type": "string", "log_incoming_message": "bool"},
                       go=go.APPLICATION, unserved=("production_app", "default_number_app"))
    assert body["application_type"] == "xml"
    assert body["log_incoming_message"] is body["log_incoming_messages"] is False
    client.applications.list()
    for item in client.last_json()["objects"]:
        assert_plivo_shape(item, "applicationListResponse", {"application_type": "string", "log_incoming_message": "bool"},
                           go=go.APPLICATION, unserved=("production_app", "default_number_app", "api_id"))
