"""Reading phone numbers from requests, and naming countries."""

from functools import lru_cache
from typing import Annotated

import phonenumbers
from phonenumbers import carrier
import pycountry
from pydantic import AfterValidator

from switchboard.core.errors import ValidationError
from switchboard.pricing.table import rate_table


def parse_e164(raw: str, field: str = "number") -> phonenumbers.PhoneNumber:
    """``raw`` as an international number: E.164 digits with or without ``+`` (spaces, dots and
    dashes tolerated). Raises a Plivo 400 that says what is wrong."""
    text = raw.strip()
    digits = "".join(ch for ch in text.lstrip("+") if ch not in " .-()")
    if not digits.isdigit() or not 4 <= len(digits) <= 15:
        raise ValidationError(f"{field}: {raw!r} is not a phone number in E.164 format (country code and number, digits only)")
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"{field}: {raw!r} does not start with a known country code") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(f"{field}: {raw!r} is not a possible number for country code +{parsed.country_code}")
    return parsed


def e164_digits(parsed: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def region_of(parsed: phonenumbers.PhoneNumber) -> str:
    """The ISO country of a number; for numbers outside any assigned range, the main country of
    its country code (``001`` for non-geographic codes)."""
    return phonenumbers.region_code_for_number(parsed) or phonenumbers.region_code_for_country_code(parsed.country_code)


def _country_iso(value: str) -> str:
    upper = value.strip().upper()
    if len(upper) != 2 or not upper.isalpha():
        raise ValueError("must be a two-letter ISO 3166 country code such as US or GB")
    return upper


CountryIso = Annotated[str, AfterValidator(_country_iso)]
"""A two-letter country code, any case, upper-cased."""


@lru_cache(maxsize=512)
def country_name(iso: str) -> str:
    """The country's name: the rate table's, else the ISO 3166 common name."""
    rates = rate_table().country(iso)
    if rates is not None:
        return rates.name
    country = pycountry.countries.get(alpha_2=iso)
    if country is None:
        return iso
    return getattr(country, "common_name", None) or country.name


@lru_cache(maxsize=512)
def country_iso3(iso: str) -> str | None:
    country = pycountry.countries.get(alpha_2=iso)
    return country.alpha_3 if country is not None else None


@lru_cache(maxsize=4096)
def network_name(number: str) -> str | None:
    """The network that holds a mobile number's block (E.164 digits), where the numbering data
    records it (a message's ``destination_network``)."""
    try:
        parsed = phonenumbers.parse("+" + number)
    except phonenumbers.NumberParseException:
        return None
    return carrier.name_for_number(parsed, "en") or None
