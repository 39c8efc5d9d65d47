"""What happens to numbers and endpoints when their subaccount or application is deleted."""

import plivo.exceptions
import pytest

from tests.helpers import LiveServer, RecordingClient
from tests.numbers.test_search_buy import search, subaccount_client


def _give_subaccount_things(server: LiveServer, client: RecordingClient) -> tuple[str, str, str]:
    sub_id, sub = subaccount_client(server, client)
    number = search(client, "US", limit=1)[0].number
    client.numbers.buy(number)
    client.numbers.update(number, subaccount=sub_id)
    endpoint_id = sub.endpoints.create(username="agent", password="12345", alias="agent").endpoint_id
    return sub_id, number, endpoint_id


def test_subaccount_delete_with_cascade_releases_numbers_and_deletes_endpoints(server: LiveServer, client: RecordingClient) -> None:
    sub_id, number, endpoint_id = _give_subaccount_things(server, client)
    client.subaccounts.delete(sub_id, cascade=True)
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.numbers.get(number)
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.endpoints.get(endpoint_id)
    assert number in {n.number for n in search(client, "US", pattern=number[1:7], limit=20)}


def test_subaccount_delete_without_cascade_moves_them_to_the_main_account(server: LiveServer, client: RecordingClient) -> None:
    sub_id, number, endpoint_id = _give_subaccount_things(server, client)
    client.subaccounts.delete(sub_id, cascade=False)
    assert client.numbers.get(number).sub_account is None
    assert client.endpoints.get(endpoint_id).sub_account is None


def test_application_delete_cascades_to_its_endpoints(client: RecordingClient) -> None:
    app = client.applications.create(app_name="doomed", answer_url="https://example.com/a")
    endpoint_id = client.endpoints.create(username="erin", password="12345", alias="e", app_id=app.app_id).endpoint_id
    number = search(client, "CA", limit=1)[0].number
    client.numbers.buy(number, app_id=app.app_id)
    client.applications.delete(app.app_id)
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.endpoints.get(endpoint_id)
    assert client.numbers.get(number).application is None


def test_application_delete_moves_endpoints_to_the_new_application(client: RecordingClient) -> None:
    old = client.applications.create(app_name="old", answer_url="https://example.com/a")
    new = client.applications.create(app_name="new", answer_url="https://example.com/b")
    endpoint_id = client.endpoints.create(username="frank", password="12345", alias="f", app_id=old.app_id).endpoint_id
    client.applications.delete(old.app_id, cascade=False, new_endpoint_application=new.app_id)
    assert client.endpoints.get(endpoint_id).application.endswith(f"/Application/{new.app_id}/")


def test_application_delete_without_cascade_leaves_endpoints_app_less(client: RecordingClient) -> None:
    app = client.applications.create(app_name="gone", answer_url="https://example.com/a")
    endpoint_id = client.endpoints.create(username="grace", password="12345", alias="g", app_id=app.app_id).endpoint_id
    client.applications.delete(app.app_id, cascade=False)
    assert client.endpoints.get(endpoint_id).application is None
