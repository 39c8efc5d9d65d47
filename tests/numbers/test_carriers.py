import plivo.exceptions
import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape
from tests.numbers.test_search_buy import search, subaccount_client

# inband_dtmf is a Switchboard extra (docs/parity.md)
INCOMING_KEYS = {"carrier_id", "enabled", "inband_dtmf", "ip_set", "name", "resource_uri", "sms", "voice"}
OUTGOING_KEYS = {
    "address", "carrier_id", "failover_address", "failover_prefix", "inband_dtmf", "ips", "name", "prefix",
    "resource_uri", "retries", "retry_seconds", "suffix",
}


def test_incoming_carrier_crud(server: LiveServer, account: MainAccount) -> None:
    base = f"/v1/Account/{account.auth_id}/IncomingCarrier/"
    with server.http(account) as http:
        created = http.post(base, json={"name": "My_Carrier-1", "ip_set": "10.20.10.20, 10.10.10.10,10.20.10.20"})
        assert created.status_code == 201, created.text
        assert set(created.json()) == {"api_id", "carrier_id", "message"} and created.json()["message"] == "created"
        carrier_id = created.json()["carrier_id"]
        assert carrier_id.isdigit()

        got = http.get(f"{base}{carrier_id}/").json()
        assert set(got) == INCOMING_KEYS | {"api_id"}
        assert got["ip_set"] == "10.20.10.20,10.10.10.10"  # normalised, duplicates dropped
        assert (got["name"], got["voice"], got["sms"], got["enabled"]) == ("My_Carrier-1", True, False, True)
        assert got["resource_uri"] == f"{base}{carrier_id}/"

        http.post(base, data={"name": "second", "ip_set": "2001:db8::1,192.0.2.0/24", "sms": "true"})
        listed = http.get(base, params={"limit": 1}).json()
        assert listed["meta"]["total_count"] == 2 and len(listed["objects"]) == 1
        assert set(listed["objects"][0]) == INCOMING_KEYS
        named = http.get(base, params={"name": "second"}).json()["objects"]
        assert [c["ip_set"] for c in named] == ["2001:db8::1,192.0.2.0/24"] and named[0]["sms"] is True

        changed = http.post(f"{base}{carrier_id}/", json={"ip_set": "203.0.113.5", "name": "renamed", "enabled": False})
        assert changed.status_code == 202 and changed.json()["message"] == "changed"
        got = http.get(f"{base}{carrier_id}/").json()
        assert (got["ip_set"], got["name"], got["enabled"]) == ("203.0.113.5", "renamed", False)

        assert http.delete(f"{base}{carrier_id}/").status_code == 204
        assert http.get(f"{base}{carrier_id}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"name": "c", "ip_set": "10.0.0.300"}, "'10.0.0.300' is not an IP address"),
        ({"name": "c", "ip_set": "example.com"}, "is not an IP address"),
        ({"name": "c", "ip_set": " , "}, "at least one IP address"),
        ({"name": "c"}, "ip_set is required"),
        ({"name": "bad name!", "ip_set": "10.0.0.1"}, "name"),
    ],
)
def test_incoming_carrier_rejects_invalid_input(server: LiveServer, account: MainAccount, payload: dict, message: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/IncomingCarrier/", json=payload)
    assert response.status_code == 400
    assert set(response.json()) == {"api_id", "error"} and message in response.json()["error"]


def test_outgoing_carrier_crud(server: LiveServer, account: MainAccount) -> None:
    base = f"/v1/Account/{account.auth_id}/OutgoingCarrier/"
    with server.http(account) as http:
        created = http.post(
            base,
            json={
                "name": "trunk", "address": "sip.example.net:5080", "failover_address": "192.0.2.10",
                "prefix": "00", "failover_prefix": "+", "suffix": "#", "retries": "2", "retry_seconds": 5,
                "ips": "192.0.2.10",
            },
        )
        assert created.status_code == 201, created.text
        carrier_id = created.json()["carrier_id"]
        got = http.get(f"{base}{carrier_id}/").json()
        assert set(got) == OUTGOING_KEYS | {"api_id"}
        assert (got["address"], got["retries"], got["retry_seconds"], got["prefix"]) == ("sip.example.net:5080", 2, 5, "00")
        assert http.post(f"{base}{carrier_id}/", json={"address": "[2001:db8::5]:5060", "retries": 0}).status_code == 202
        got = http.get(f"{base}{carrier_id}/").json()
        assert (got["address"], got["retries"], got["failover_address"]) == ("[2001:db8::5]:5060", 0, "192.0.2.10")
        assert [c["carrier_id"] for c in http.get(base).json()["objects"]] == [carrier_id]
        assert http.delete(f"{base}{carrier_id}/").status_code == 204
        assert http.delete(f"{base}{carrier_id}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "t"}, "address"),
        ({"name": "t", "address": "bad host!"}, "address"),
        ({"name": "t", "address": "sip.example.net:99999"}, "port"),
        ({"name": "t", "address": "sip.example.net", "retries": -1}, "retries"),
        ({"name": "t", "address": "sip.example.net", "prefix": "12a"}, "prefix"),
        ({"name": "t", "address": "sip.example.net", "ips": "1.2.3"}, "ips"),
    ],
)
def test_outgoing_carrier_rejects_invalid_input(server: LiveServer, account: MainAccount, payload: dict, field: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/OutgoingCarrier/", json=payload)
    assert response.status_code == 400 and field in response.json()["error"]


def test_carriers_are_per_main_account(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    with server.http(account) as http:
        carrier_id = http.post(f"/v1/Account/{account.auth_id}/IncomingCarrier/", json={"name": "mine", "ip_set": "10.0.0.1"}).json()["carrier_id"]
    other = server.new_main_account()
    with server.http(other) as http:
        assert http.get(f"/v1/Account/{other.auth_id}/IncomingCarrier/{carrier_id}/").status_code == 404
        assert http.get(f"/v1/Account/{other.auth_id}/IncomingCarrier/").json()["objects"] == []
    sub_id, sub = subaccount_client(server, client)
    response = sub.sdk.session.get(f"{server.base_url}/v1/Account/{sub_id}/IncomingCarrier/")
    assert response.status_code == 403


def test_own_carrier_numbers_through_sdk(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    with server.http(account) as http:
        carrier_id = http.post(
            f"/v1/Account/{account.auth_id}/IncomingCarrier/", json={"name": "own", "ip_set": "198.51.100.7", "sms": True}
        ).json()["carrier_id"]
    app = client.applications.create(app_name="own numbers", answer_url="https://example.com/a")
    sub_id, sub = subaccount_client(server, client)
    inventory_number = search(client, "US", limit=1)[0].number
    client.numbers.create(
        numbers=f"+{inventory_number},442079460000", carrier=carrier_id, region="London and NY",
        number_type="local", app_id=app.app_id,
    )
    assert client.last_status == 202
    assert_plivo_shape(client.last_json(), "numberCreateResponse")
    held = client.numbers.get("442079460000")
    assert_plivo_shape(client.last_json(), "numberGetResponse")
    assert (held.carrier, held.region, held.number_type, held.sms_enabled) == ("own", "London and NY", "local", True)
    assert held.application.endswith(f"/Application/{app.app_id}/")
    assert inventory_number not in {n.number for n in search(client, "US", pattern=inventory_number[1:7], limit=20)}

    client.numbers.create(numbers=["61291234567"], carrier=carrier_id, region="Sydney", number_type="mobile", subaccount=sub_id)
    assert sub.numbers.get("61291234567").number_type == "mobile"

    with pytest.raises(plivo.exceptions.InvalidRequestError, match="already held"):
        client.numbers.create(numbers="442079460000", carrier=carrier_id, region="x")
    with pytest.raises(plivo.exceptions.ValidationError, match="carrier"):
        client.numbers.create(numbers="442079460001", carrier="12345", region="x")
    with pytest.raises(plivo.exceptions.ValidationError, match="numbers"):
        client.numbers.create(numbers="44207946000x", carrier=carrier_id, region="x")

    with server.http(account) as http:
        assert http.delete(f"/v1/Account/{account.auth_id}/IncomingCarrier/{carrier_id}/").status_code == 204
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.numbers.get("442079460000")


def test_routing_helpers_find_carrier_and_number(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    from switchboard.numbers.carriers import incoming_carrier_for
    from switchboard.numbers.service import number_for_routing

    with server.http(account) as http:
        carrier_id = http.post(
            f"/v1/Account/{account.auth_id}/IncomingCarrier/", json={"name": "edge", "ip_set": "203.0.113.0/28,2001:db8:77::9"}
        ).json()["carrier_id"]
    client.numbers.create(numbers="13125550142", carrier=carrier_id, region="Chicago")

    async def lookups(app: object) -> tuple[str | None, str | None, object, str | None]:
        async with app.state.db.session() as session:  # type: ignore[attr-defined]
            inside = await incoming_carrier_for(session, "203.0.113.14")
            v6 = await incoming_carrier_for(session, "2001:db8:77::9")
            outside = await incoming_carrier_for(session, "203.0.113.16")
            number = await number_for_routing(session, "+13125550142")
            return (
                inside.carrier_id if inside else None,
                v6.carrier_id if v6 else None,
                outside,
                number.carrier_id if number else None,
            )

    assert server.call(lookups) == (carrier_id, carrier_id, None, carrier_id)
