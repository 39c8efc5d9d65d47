from decimal import Decimal
from pathlib import Path

import plivo.exceptions
import pytest

from switchboard.pricing.table import RateTableError, load_rate_table, rate_table
from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape


def test_us_pricing_through_sdk(client: RecordingClient) -> None:
    pricing = client.pricing.get("US")
    assert client.last_status == 200
    body = client.last_json()
    assert_plivo_shape(body, "pricingGetResponse", extra=("mms", "origination_prefix"))
    assert (body["country"], body["country_code"], body["country_iso"]) == ("United States", 1, "US")
    assert body["phone_numbers"] == {"local": {"rate": "0.80000"}, "tollfree": {"rate": "1.00000"}}
    assert body["voice"]["inbound"]["local"] == {"rate": "0.00850"}
    assert {"origination_prefix": [""], "prefix": ["1808"], "rate": "0.03400"} in body["voice"]["outbound"]["rates"]
    assert body["message"]["outbound"] == {"rate": "0.00650"}
    assert pricing.country_iso == "US"


def test_country_with_more_number_types(client: RecordingClient) -> None:
    client.pricing.get("GB")
    body = client.last_json()
    # the fixture (a US answer) has local and tollfree only; GB also rents mobile and national numbers
    assert_plivo_shape(body, "pricingGetResponse", extra=("mobile", "national", "mms", "origination_prefix"))
    assert set(body["phone_numbers"]) == {"local", "mobile", "tollfree", "national"}
    assert body["country_code"] == 44


def test_subaccount_may_read_pricing(server: LiveServer, client: RecordingClient) -> None:
    sub = client.subaccounts.create(name="pricing reader", enabled=True)
    reader = RecordingClient(server.base_url, sub.auth_id, sub.auth_token)
    assert reader.pricing.get("IN").country == "India"


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"country_iso": "XZ"}, 400, "not an ISO 3166 country code"),
        ({"country_iso": "JP"}, 404, "no rates for JP"),
        ({"country_iso": "USA"}, 400, "two-letter"),
        ({}, 400, "country_iso is required"),
    ],
)
def test_unknown_countries(server: LiveServer, account: MainAccount, query: dict, status: int, message: str) -> None:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/Pricing/", params=query)
    assert response.status_code == status
    assert set(response.json()) == {"api_id", "error"} and message in response.json()["error"]


def test_sdk_refuses_lowercase_before_sending(client: RecordingClient) -> None:
    with pytest.raises(plivo.exceptions.ValidationError):
        client.pricing.get("us")


def test_rate_lookups_are_longest_prefix() -> None:
    table = rate_table()
    assert table is rate_table()  # loaded once
    assert table.voice_outbound_rate("+18085550100") == Decimal("0.03400")
    assert table.voice_outbound_rate("14155550100") == Decimal("0.01200")
    assert table.voice_outbound_rate("4915112345678") == Decimal("0.05500")
    assert table.voice_outbound_rate("81312345678") is None
    assert table.message_outbound_rate("+447700900123") == Decimal("0.04000")
    assert table.country("de").rental["mobile"] == Decimal("5.00000")


def test_operator_table_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "rates.toml"
    path.write_text('[countries.US]\nname = "US"\nphone_numbers = { local = "abc" }\n')
    with pytest.raises(RateTableError, match="countries.US.phone_numbers.local"):
        load_rate_table(path)
    path.write_text('[countries.QQ]\nname = "Nowhere"\n')
    with pytest.raises(RateTableError, match="QQ"):
        load_rate_table(path)
    path.write_text('[countries.US]\nphone_numbers = { local = "2.5" }\nvoice.outbound_rates = [{ prefix = ["1"], rate = "0.1" }]\n')
    table = load_rate_table(path)
    assert table.country("US").rental == {"local": Decimal("2.5")}
    assert table.voice_outbound_rate("12125550100") == Decimal("0.1")
    for bad in ('"60"', '"0/60"', '"60/-1"', '"a/b"', '60'):
        path.write_text(f'[countries.US]\nvoice.increments = {bad}\n')
        with pytest.raises(RateTableError, match="countries.US.voice.increments"):
            load_rate_table(path)
    path.write_text('[countries.US]\nvoice.outbound_rates = [{ prefix = ["1"], rate = "0.1", increments = "6" }]\n')
    with pytest.raises(RateTableError, match="countries.US.voice.outbound_rates"):
        load_rate_table(path)
