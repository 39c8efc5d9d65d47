import plivo.exceptions
import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape


def test_us_number_through_sdk(client: RecordingClient) -> None:
    number = client.lookup.get("+14154305555")
    assert client.last_status == 200
    body = client.last_json()
    assert_plivo_shape(body, "lookupGetResponse")
    assert body["phone_number"] == "+14154305555"
    assert body["country"] == {"name": "United States", "iso2": "US", "iso3": "USA"}
    assert body["format"] == {
        "e164": "+14154305555",
        "national": "(415) 430-5555",
        "international": "+1 415-430-5555",
        "rfc3966": "tel:+1-415-430-5555",
    }
    assert body["carrier"]["type"] == "fixed"  # US numbers are fixed-or-mobile in the plan
    assert body["resource_uri"] == "/v1/Number/+14154305555?type=carrier"
    assert number.phone_number == "+14154305555"


def test_mobile_carrier_name(client: RecordingClient) -> None:
    client.lookup.get("+447400123456")
    body = client.last_json()
    assert body["carrier"]["type"] == "mobile" and body["carrier"]["name"]
    assert body["country"]["iso3"] == "GBR"
    assert body["format"]["national"] == "07400 123456"


def test_number_without_plus(server: LiveServer, account: MainAccount) -> None:
    with server.http(account) as http:
        response = http.get("/v1/Number/4930123456", params={"type": "carrier"})
    assert response.status_code == 200
    assert response.json()["country"]["iso2"] == "DE" and response.json()["carrier"]["type"] == "fixed"


@pytest.mark.parametrize(
    ("number", "query", "status", "message"),
    [
        ("+1415abc", {"type": "carrier"}, 400, "E.164"),
        ("+9991234567", {"type": "carrier"}, 400, "known country code"),
        ("+1555", {"type": "carrier"}, 400, "not a possible number"),
        ("+10005550100", {"type": "carrier"}, 404, "not a valid number"),
        ("+14154305555", {"type": "caller_name"}, 400, "type=carrier"),
    ],
)
def test_bad_numbers(server: LiveServer, account: MainAccount, number: str, query: dict, status: int, message: str) -> None:
    with server.http(account) as http:
        response = http.get(f"/v1/Number/{number}", params=query)
    assert response.status_code == status
    assert set(response.json()) == {"api_id", "error"} and message in response.json()["error"]


def test_lookup_needs_credentials(server: LiveServer) -> None:
    with server.http() as http:
        assert http.get("/v1/Number/+14154305555", params={"type": "carrier"}).status_code == 401


def test_sdk_raises_for_invalid_number(client: RecordingClient) -> None:
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.lookup.get("+10005550100")
