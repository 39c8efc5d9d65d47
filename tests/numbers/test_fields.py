"""The field sweep for numbers: a rented number and a number offered by the search, as a client
fetches them, every key against Plivo's fixture and every value against plivo-go's types."""

import pytest

from tests import go_sdk_types as go
from tests.helpers import RecordingClient, assert_plivo_shape
from tests.numbers.test_rented import buy
from tests.numbers.test_search_buy import search

# Go fields Plivo's number object does not carry: `description`, `plivo_number` and `cnam` are not in
# the docs' or the fixture's number object (Switchboard has no CNAM registration either).
NUMBER_UNSERVED = ("description", "plivo_number", "cnam")
# Null as Plivo's fixture has it for unset links (`alias`, `sub_account`) and for the US/CA-only
# fields of a number they do not apply to (`tendlc_campaign_id`, `toll_free_sms_verification`).
NUMBER_NULLS = ("application", "alias", "cnam_lookup", "tendlc_registration_status", "tendlc_campaign_id",
                "toll_free_sms_verification")
# LATA and rate centre exist in the North American plan only; elsewhere they are null.
SEARCH_NULLS = ("lata", "rate_center")


@pytest.mark.parametrize("country", ["US", "GB"])
def test_rented_number_fields(client: RecordingClient, country: str) -> None:
    number = buy(client, country)
    client.numbers.get(number)
    assert_plivo_shape(client.last_json(), "numberGetResponse", go=go.NUMBER, unserved=NUMBER_UNSERVED,
                       nulls=NUMBER_NULLS)
    client.numbers.list()
    for item in client.last_json()["objects"]:
        assert_plivo_shape(item, "numberListResponse", go=go.NUMBER, unserved=NUMBER_UNSERVED, nulls=NUMBER_NULLS)


@pytest.mark.parametrize("country", ["US", "GB"])
def test_phone_number_search_fields(client: RecordingClient, country: str) -> None:
    found = search(client, country, limit=3)
    assert found
    for item in client.last_json()["objects"]:
        assert_plivo_shape(item, "phoneNumberListResponse", go=go.PHONE_NUMBER, nulls=SEARCH_NULLS)
