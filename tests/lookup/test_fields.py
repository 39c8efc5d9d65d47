"""The field sweep for lookup: a number as a client looks it up, every key against Plivo's fixture
and every value against plivo-go's types."""

import pytest

from tests import go_sdk_types as go
from tests.helpers import RecordingClient, assert_plivo_shape

# Plivo documents null network codes where the carrier data has none; Switchboard's data never has them.
NULLS = ("carrier.mobile_country_code", "carrier.mobile_network_code")


@pytest.mark.parametrize("number", ["+14154305555", "+447911123456"])
def test_lookup_fields(client: RecordingClient, number: str) -> None:
    client.lookup.get(number)
    assert_plivo_shape(client.last_json(), "lookupGetResponse", go=go.LOOKUP, nulls=NULLS)
