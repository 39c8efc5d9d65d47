import re
from types import SimpleNamespace

import phonenumbers
import plivo.exceptions
import pytest

from switchboard.numbers.inventory import country_inventory
from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape

EXTRA_SEARCH_KEYS = ("city", "mms_enabled", "mms_rate")  # documented by Plivo, not in the SDK fixture
COUNTRIES = ("US", "CA", "GB", "DE", "FR", "ES", "MX", "BR", "IN", "AU")


def search(client: RecordingClient, country: str, **filters: object) -> list[SimpleNamespace]:
    """``numbers.search`` through the SDK; the objects of the raw response, attribute-style."""
    client.numbers.search(country, **filters)
    return [SimpleNamespace(**item) for item in client.last_json()["objects"]]


def subaccount_client(server: LiveServer, client: RecordingClient) -> tuple[str, RecordingClient]:
    sub = client.subaccounts.create(name="branch", enabled=True)
    return sub.auth_id, RecordingClient(server.base_url, sub.auth_id, sub.auth_token)


def test_search_us_local_through_sdk(client: RecordingClient, account: MainAccount) -> None:
    found = search(client, "US", type="local", pattern="415", limit=5)
    assert client.last_status == 200
    body = client.last_json()
    assert_plivo_shape(body, "phoneNumberListResponse", extra=EXTRA_SEARCH_KEYS)
    assert body["meta"]["limit"] == 5 and body["meta"]["total_count"] > 5
    assert body["meta"]["next"].startswith(f"/v1/Account/{account.auth_id}/PhoneNumber/?")
    assert len(found) == 5
    for item in body["objects"]:
        assert item["number"].startswith("1415")
        assert item["type"] == "fixed"
        assert item["prefix"] == "415"
        assert item["region"] == "California"
        assert isinstance(item["lata"], int) and re.fullmatch(r"[A-Z0-9 ]{1,10}", item["rate_center"])
        assert item["country"] == "UNITED STATES"
        assert item["monthly_rental_rate"] == "0.80000"
        assert (item["voice_enabled"], item["sms_enabled"], item["mms_enabled"]) == (True, True, True)
        assert item["resource_uri"] == f"/v1/Account/{account.auth_id}/PhoneNumber/{item['number']}/"
        parsed = phonenumbers.parse("+" + item["number"])
        assert phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) == "US"


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_country_offers_thousands_of_valid_numbers(country: str) -> None:
    stock = country_inventory(country)
    assert stock is not None and len(stock.numbers) >= 3000
    assert country_inventory(country) is stock  # generated once per process
    for entry in stock.numbers[:: max(1, len(stock.numbers) // 200)]:
        parsed = phonenumbers.parse("+" + entry.number)
        assert phonenumbers.is_valid_number_for_region(parsed, country), entry
    assert len({n.number for n in stock.numbers}) == len(stock.numbers)


def test_inventory_is_deterministic() -> None:
    country_inventory.cache_clear()
    first = [n.number for n in country_inventory("GB").numbers[:50]]
    country_inventory.cache_clear()
    assert [n.number for n in country_inventory("GB").numbers[:50]] == first


def test_search_types_and_services(client: RecordingClient) -> None:
    mobiles = search(client, "GB", type="mobile", limit=3)
    assert {m.type for m in mobiles} == {"mobile"} and all(m.number.startswith("447") for m in mobiles)
    tollfree = search(client, "US", type="tollfree", limit=3)
    assert {t.type for t in tollfree} == {"tollfree"}
    assert all(phonenumbers.number_type(phonenumbers.parse("+" + t.number)) == phonenumbers.PhoneNumberType.TOLL_FREE for t in tollfree)
    national = search(client, "GB", type="national", limit=3)
    assert {n.type for n in national} == {"national"}
    assert search(client, "GB", type="local", services="sms") == []  # UK landlines take no SMS
    assert client.last_json()["meta"]["total_count"] == 0
    sms = search(client, "GB", type="mobile", services="voice,sms", limit=2)
    assert len(sms) == 2 and all(n.sms_enabled for n in sms)
    assert search(client, "GB", type="mobile", services="mms") == []


def test_search_filters(client: RecordingClient) -> None:
    sample = search(client, "US", pattern="212", limit=1)[0]
    npanxx = sample.number[1:7]
    by_block = search(client, "US", npanxx=npanxx, limit=20)
    assert by_block and all(n.number[1:7] == npanxx for n in by_block)
    by_center = search(client, "US", rate_center=sample.rate_center, lata=str(sample.lata), limit=20)
    assert sample.number in {n.number for n in by_center}
    assert all(n.rate_center == sample.rate_center and n.lata == sample.lata for n in by_center)
    by_city = search(client, "US", city=client.last_json()["objects"][0]["city"].lower(), limit=5)
    assert by_city
    wildcard = search(client, "US", pattern="4*5", limit=20)
    assert wildcard and all(re.match(r"^14\d5", n.number) for n in wildcard)
    texas = search(client, "US", region="texas", limit=20)
    assert texas and {n.region for n in texas} == {"Texas"}
    berlin = search(client, "DE", city="berlin", limit=20)
    assert berlin and all("Berlin" in n.city for n in berlin)
    assert any(n.number.startswith("4930") for n in berlin)


def test_pattern_and_npanxx_together(client: RecordingClient) -> None:
    sample = search(client, "US", pattern="3", limit=1)[0]
    both = search(client, "US", pattern=sample.number[1:3], npanxx=sample.number[1:7], limit=20)
    assert sample.number in {n.number for n in both}
    assert search(client, "US", pattern="9", npanxx=sample.number[1:7]) == []


def test_concurrent_buyers_get_one_number_once(server: LiveServer, client: RecordingClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    number = search(client, "NL", type="local", limit=1)[0].number
    buyers = [server.new_main_account() for _ in range(4)]

    def attempt(buyer: MainAccount) -> int:
        with server.http(buyer) as http:
            return http.post(f"/v1/Account/{buyer.auth_id}/PhoneNumber/{number}/", json={}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(attempt, buyers))
    assert statuses == [201, 409, 409, 409]


def test_search_pages_cover_distinct_numbers(client: RecordingClient) -> None:
    first = search(client, "FR", type="mobile", limit=20, offset=0)
    second = search(client, "FR", type="mobile", limit=20, offset=20)
    meta = client.last_json()["meta"]
    assert meta["offset"] == 20 and "type=mobile" in meta["previous"] and "country_iso=FR" in meta["previous"]
    assert not {n.number for n in first} & {n.number for n in second}


def test_buy_through_sdk_and_number_leaves_search(client: RecordingClient, account: MainAccount) -> None:
    candidates = search(client, "AU", type="mobile", pattern="4", limit=2)
    number = candidates[0].number
    total_before = client.last_json()["meta"]["total_count"]
    bought = client.numbers.buy(number)
    assert client.last_status == 201
    assert_plivo_shape(client.last_json(), "phoneNumberCreateResponse")
    assert bought.status == "fulfilled" and client.last_json()["numbers"][0] == {"number": number, "status": "Success", "fallback_number": None}
    after = search(client, "AU", type="mobile", pattern="4", limit=20)
    assert number not in {n.number for n in after}
    assert client.last_json()["meta"]["total_count"] == total_before - 1
    held = client.numbers.get(number)
    assert (held.number_type, held.carrier, held.monthly_rental_rate) == ("mobile", "Plivo", "6.00000")


def test_buy_with_app_id_and_default_app(client: RecordingClient) -> None:
    app = client.applications.create(app_name="ivr", answer_url="https://example.com/a")
    default = client.applications.create(app_name="default", answer_url="https://example.com/d", default_number_app=True)
    first, second = search(client, "CA", limit=2)
    client.numbers.buy(first.number, app_id=app.app_id)
    client.numbers.buy(second.number)
    assert client.numbers.get(first.number).application.endswith(f"/Application/{app.app_id}/")
    assert client.numbers.get(second.number).application.endswith(f"/Application/{default.app_id}/")


def test_buying_a_taken_number_is_a_conflict(server: LiveServer, client: RecordingClient) -> None:
    number = search(client, "ES", type="mobile", limit=1)[0].number
    client.numbers.buy(number)
    with pytest.raises(plivo.exceptions.InvalidRequestError, match="already rented by this account"):
        client.numbers.buy(number)
    assert client.last_status == 409
    other = server.new_main_account()
    rival = RecordingClient(server.base_url, other.auth_id, other.auth_token)
    with pytest.raises(plivo.exceptions.InvalidRequestError, match="already rented by another account"):
        rival.numbers.buy(number)
    assert set(rival.last_json()) == {"api_id", "error"}


@pytest.mark.parametrize(
    ("number", "status", "message"),
    [
        ("14155550100x", 400, "not a phone number in E.164"),
        ("12", 400, "not a phone number in E.164"),
        ("999123456789", 400, "known country code"),
        ("1415", 400, "not a possible number"),
        ("19005550100", 404, "not in the inventory"),
    ],
)
def test_buying_bad_numbers(server: LiveServer, account: MainAccount, number: str, status: int, message: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/PhoneNumber/{number}/", json={})
    assert response.status_code == status
    assert set(response.json()) == {"api_id", "error"} and message in response.json()["error"]


def test_buy_with_unknown_app_is_rejected(client: RecordingClient) -> None:
    number = search(client, "MX", limit=1)[0].number
    with pytest.raises(plivo.exceptions.ValidationError, match="app_id"):
        client.numbers.buy(number, app_id="12345678901234567")
    assert number in {n.number for n in search(client, "MX", limit=20)}


def test_subaccount_can_neither_search_nor_buy(server: LiveServer, client: RecordingClient) -> None:
    number = search(client, "BR", limit=1)[0].number
    _, sub = subaccount_client(server, client)
    with pytest.raises(plivo.exceptions.ForbiddenError, match="subaccounts cannot search"):
        sub.numbers.search("BR")
    with pytest.raises(plivo.exceptions.ForbiddenError, match="subaccounts cannot buy"):
        sub.numbers.buy(number)
    assert sub.last_status == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"country_iso": "ZZ"}, "offers no numbers in 'ZZ'"),
        ({"country_iso": "USA"}, "country_iso: * must be a two-letter"),
        ({}, "country_iso is required"),
        ({"country_iso": "US", "type": "premium"}, "type: * must be one of"),
        ({"country_iso": "US", "pattern": "41a"}, "pattern: * may contain only digits"),
        ({"country_iso": "US", "services": "fax"}, "services: * must be"),
        ({"country_iso": "US", "limit": 21}, "limit"),
    ],
)
def test_search_rejects_bad_parameters(server: LiveServer, account: MainAccount, query: dict, message: str) -> None:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/PhoneNumber/", params=query)
    assert response.status_code == 400
    assert set(response.json()) == {"api_id", "error"}
    assert all(part in response.json()["error"] for part in message.split("*"))
