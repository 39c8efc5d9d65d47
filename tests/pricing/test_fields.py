"""The field sweep for pricing: a country's rates as a client fetches them, every key against
Plivo's fixture and every value against plivo-go's types."""

import pytest

from switchboard.pricing.table import format_rate, rate_table
from tests import go_sdk_types as go
from tests.helpers import RecordingClient, assert_plivo_shape

# Beyond the Go struct: MMS rates (Plivo's pricing objects carry them; the Node SDK reads `mms`),
# and the rental rates of number types the US fixture does not have.
MMS = {"mms": {"inbound": {"rate": "string"}, "outbound": {"rate": "string"}}}
RATE = {"rate": "string"}
MORE_TYPES = {f"{group}.{kind}": RATE for group in ("phone_numbers", "voice.inbound", "voice.outbound")
              for kind in ("mobile", "national")}


@pytest.mark.parametrize(("country", "extra"), [("US", MMS), ("GB", MMS | MORE_TYPES)])
def test_pricing_fields(client: RecordingClient, country: str, extra: dict[str, object]) -> None:
    client.pricing.get(country)
    body = client.last_json()
    assert_plivo_shape(body, "pricingGetResponse", extra, go=go.PRICING)
    rates = rate_table().country(country)
    assert body["mms"] == {"inbound": {"rate": format_rate(rates.mms_inbound)},
                           "outbound": {"rate": format_rate(rates.mms_outbound)}}
