"""Rating: Plivo's increments and rounding, and a missing rate refused, never billed at zero."""

from decimal import Decimal
from pathlib import Path

import pytest

from switchboard.billing.rating import (
    CallRating, NoRate, billed_seconds, inbound_call_tariff, mms_rate, outbound_call_tariff, rate_call, rate_mms,
    rate_sms, sms_rate,
)
from switchboard.pricing.table import VoiceTariff, load_rate_table


@pytest.mark.parametrize(("seconds", "increments", "billed"), [
    (0, (60, 60), 0), (1, (60, 60), 60), (10, (60, 60), 60), (60, (60, 60), 60), (61, (60, 60), 120),
    (70, (60, 60), 120), (121, (60, 60), 180),
    (1, (6, 6), 6), (7, (6, 6), 12), (12, (6, 6), 12), (61, (6, 6), 66),
    (1, (1, 1), 1), (61, (1, 1), 61),
    (5, (30, 6), 30), (31, (30, 6), 36), (37, (30, 6), 42),
])
def test_billed_seconds_follow_the_increments(seconds: int, increments: tuple[int, int], billed: int) -> None:
    assert billed_seconds(seconds, *increments) == billed


def test_rate_call() -> None:
    assert rate_call(VoiceTariff(Decimal("0.01200")), 70) == CallRating(Decimal("0.01200"), 120, Decimal("0.02400"))
    assert rate_call(VoiceTariff(Decimal("0.03570"), 1, 1), 61) == CallRating(Decimal("0.03570"), 61, Decimal("0.03630"))
    # 0.05500 × 66 / 60 = 0.0605 exactly; 0.00007 × 7/60 = 0.0000081666… rounds up to 0.00001
    assert rate_call(VoiceTariff(Decimal("0.05500"), 6, 6), 61).total_amount == Decimal("0.06050")
    assert rate_call(VoiceTariff(Decimal("0.00007"), 1, 1), 7).total_amount == Decimal("0.00001")
    assert rate_call(VoiceTariff(Decimal("0.01200")), 0) == CallRating(Decimal("0.01200"), 0, Decimal("0.00000"))


def test_messages_are_rated_per_unit_and_mms_per_message() -> None:
    assert rate_sms(Decimal("0.00650"), 3) == Decimal("0.01950")
    assert rate_mms(Decimal("0.02000")) == Decimal("0.02000")
    assert sms_rate("+14155550100") == Decimal("0.00650")
    assert mms_rate("14155550100") == Decimal("0.02000")


def test_the_shipped_table_has_increments_per_prefix() -> None:
    assert outbound_call_tariff("14155550100") == VoiceTariff(Decimal("0.01200"), 60, 60, "US")
    assert outbound_call_tariff("4915112345678") == VoiceTariff(Decimal("0.05500"), 6, 6, "DE")
    assert outbound_call_tariff("4930123456") == VoiceTariff(Decimal("0.01500"), 60, 60, "DE")
    assert outbound_call_tariff("31612345678") == VoiceTariff(Decimal("0.05000"), 1, 1, "NL")
    assert inbound_call_tariff("GB", Decimal("0.00500")) == VoiceTariff(Decimal("0.00500"), 60, 60, "GB")


def test_a_prefix_several_countries_share_takes_the_country_of_the_number() -> None:
    """North America's "1": the rate is the prefix's, the usage report's country the number's."""
    assert outbound_call_tariff("14165550100").country == "CA"  # Toronto
    assert outbound_call_tariff("12125550100").country == "US"  # New York


def test_a_missing_country_is_refused_with_a_clear_error() -> None:
    with pytest.raises(NoRate, match="no rate for calls to 81312345678"):
        outbound_call_tariff("81312345678")
    with pytest.raises(NoRate, match="no rate for messages to 81312345678"):
        sms_rate("81312345678")
    with pytest.raises(NoRate, match="no rate for MMS to 81312345678"):
        mms_rate("81312345678")
    with pytest.raises(NoRate, match="JP"):
        inbound_call_tariff("JP", Decimal("0.01"))


def test_increments_in_an_operators_table(tmp_path: Path) -> None:
    path = tmp_path / "rates.toml"
    path.write_text('[countries.US]\nvoice.increments = "6/6"\nvoice.outbound_rates = [{ prefix = ["1"], rate = "0.1" }, '
                    '{ prefix = ["1900"], rate = "0.5", increments = "30/6" }]\n')
    table = load_rate_table(path)
    assert outbound_call_tariff("12125550100", table) == VoiceTariff(Decimal("0.1"), 6, 6, "US")
    assert outbound_call_tariff("19005550100", table) == VoiceTariff(Decimal("0.5"), 30, 6, "US")
    assert inbound_call_tariff("US", Decimal("0.2"), table) == VoiceTariff(Decimal("0.2"), 6, 6, "US")
