"""The simulated network's stock of numbers to rent, generated from real numbering plans.

Nothing here is stored: every country's inventory is derived, the same on every node and every
start, from the numbering plans in the ``phonenumbers`` metadata (number patterns, geographic
prefixes with their places, mobile prefixes) and from the rate table (which countries and
number types are offered, and what they can receive). A country is generated the first time
it is searched and kept in memory; the database holds only the numbers accounts hold, which
are left out of search results.

How a number is made, per country and Plivo type:

- ``local``: a geographic prefix from the geocoding data (for the US and Canada the NPA-NXX
  blocks that name a city), completed with digits from a seeded generator; if a country has
  no geographic data, a number drawn from the fixed-line pattern.
- ``mobile``, ``tollfree``, ``national``: drawn from the country's number pattern for that
  type (``national`` = the plan's shared-cost, UAN and VoIP ranges).

Every candidate must be a valid number of the wanted type in that country (checked with
``phonenumbers``); the seed is the country and type, so the stock never changes between runs.

US and Canadian numbers carry ``prefix`` (the NPA), ``rate_center`` (the city, shortened to
at most 10 characters in the way rate-center names are) and ``lata``. The real LATA map is not
in the numbering-plan data, so ``lata`` is a stable three-digit code derived from the state and
rate center: numbers of one rate center share it, as they would in reality.
"""

import random
import re
import zlib
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers
import pycountry
from phonenumbers import PhoneNumberType
from phonenumbers.geodata import GEOCODE_DATA, GEOCODE_LONGEST_PREFIX

from switchboard.pricing.table import CountryRates, rate_table

import re._parser as sre_parse  # the standard library's pattern parser (Python 3.11+)
from re._constants import BRANCH, CATEGORY, CATEGORY_DIGIT, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, RANGE, SUBPATTERN

NANP = ("US", "CA")
STOCK = {"local": 4000, "mobile": 3000, "tollfree": 800, "national": 500}
STOCK_NANP = {"local": 10000, "tollfree": 2000}
PHONENUMBERS_TYPES: dict[str, tuple[int, ...]] = {
    "local": (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE),
    "mobile": (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE),
    "tollfree": (PhoneNumberType.TOLL_FREE,),
    "national": (PhoneNumberType.SHARED_COST, PhoneNumberType.UAN, PhoneNumberType.VOIP),
}
_METADATA_DESC = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOIP: "voip",
}
SEARCH_TYPE = {"local": "fixed", "mobile": "mobile", "tollfree": "tollfree", "national": "national"}


@dataclass(frozen=True, slots=True)
class InventoryNumber:
    number: str
    """E.164 digits without ``+``."""
    national: str
    """The national significant number (what ``pattern`` and ``npanxx`` match)."""
    country_iso: str
    number_type: str
    """Plivo's rented-number type: local, mobile, tollfree or national."""
    region: str
    city: str
    prefix: str
    rate_center: str | None
    lata: int | None
    voice: bool
    sms: bool
    mms: bool

    @property
    def search_type(self) -> str:
        """The ``type`` PhoneNumber search reports (``fixed`` for local numbers, as Plivo)."""
        return SEARCH_TYPE[self.number_type]


@dataclass
class CountryInventory:
    country: CountryRates
    numbers: list[InventoryNumber]
    """Every number of the country, sorted by number."""

    def __post_init__(self) -> None:
        self._keys = [n.number for n in self.numbers]
        self._by_type: dict[str, list[InventoryNumber]] = {}
        for entry in self.numbers:
            self._by_type.setdefault(entry.number_type, []).append(entry)

        self._type_keys = {kind: [n.national for n in entries] for kind, entries in self._by_type.items()}

    def of_type(self, number_type: str, national_prefix: str = "") -> list[InventoryNumber]:
        """The numbers of one Plivo type (local, mobile, tollfree, national) whose national
        number starts with ``national_prefix``, sorted (a binary search, not a scan)."""
        entries = self._by_type.get(number_type, [])
        if not national_prefix:
            return entries
        keys = self._type_keys[number_type]
        return entries[bisect_left(keys, national_prefix) : bisect_left(keys, national_prefix + "\x7f")]

    def get(self, number: str) -> InventoryNumber | None:
        index = bisect_left(self._keys, number)
        if index < len(self._keys) and self._keys[index] == number:
            return self.numbers[index]
        return None


# --- drawing digits from a number pattern -----------------------------------------------------


def _draw(parsed: Any, rng: random.Random, out: list[str]) -> None:
    for op, arg in parsed:
        if op is LITERAL:
            out.append(chr(arg))
        elif op is IN:
            choices: list[str] = []
            for item_op, item in arg:
                if item_op is LITERAL:
                    choices.append(chr(item))
                elif item_op is RANGE:
                    choices.extend(chr(c) for c in range(item[0], item[1] + 1))
                elif item_op is CATEGORY and item is CATEGORY_DIGIT:
                    choices.extend("0123456789")
            out.append(rng.choice(choices))
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, high, sub = arg
            for _ in range(rng.randint(low, min(high, low + 6))):
                _draw(sub, rng, out)
        elif op is SUBPATTERN:
            _draw(arg[-1], rng, out)
        elif op is BRANCH:
            _draw(rng.choice(arg[1]), rng, out)
        else:  # the numbering plans use nothing else; a surprise must not hang the generator
            raise ValueError(f"unsupported pattern element {op}")


@lru_cache(maxsize=256)
def _parsed(pattern: str) -> Any:
    return sre_parse.parse(pattern)


def _patterns(iso: str, kinds: tuple[int, ...]) -> list[str] | None:
    """The national number patterns of ``kinds`` in ``iso``'s metadata."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(iso)
    if metadata is None:
        return None
    patterns = []
    for kind in kinds:
        desc = getattr(metadata, _METADATA_DESC.get(kind, ""), None)
        if desc is not None and desc.national_number_pattern:
            patterns.append(desc.national_number_pattern)
    return patterns or None


# --- places -----------------------------------------------------------------------------------


def _geocode(number: str) -> str:
    """The English place name of the longest geographic prefix of ``number`` (E.164 digits),
    as ``geocoder.description_for_number`` finds it for a valid number."""
    for length in range(min(len(number), GEOCODE_LONGEST_PREFIX), 0, -1):
        names = GEOCODE_DATA.get(number[:length])
        if names and names.get("en"):
            return names["en"]
    return ""


def _place(description: str) -> tuple[str, str]:
    """(region, city) from a geocoder description such as "San Francisco, CA" or "São Paulo - SP"."""
    for separator in (", ", " - "):
        if separator in description:
            city, _, region = description.rpartition(separator)
            return region.strip(), city.strip()
    return description, description


def rate_center_name(city: str) -> str:
    """A rate-center style name: upper case, at most 10 characters, vowels dropped first."""
    words = re.sub(r"[^A-Z0-9 ]", "", city.upper()).split()
    name = " ".join(words)
    if len(name) <= 10:
        return name
    squeezed = " ".join(w[0] + re.sub(r"[AEIOU]", "", w[1:]) for w in words)
    return squeezed[:10].rstrip()


def _lata(state: str, rate_center: str) -> int:
    block = zlib.crc32(state.encode()) % 80
    return 120 + block * 10 + zlib.crc32(rate_center.encode()) % 10


@lru_cache(maxsize=1)
def _nanp_regions() -> dict[str, str]:
    """NPA (area code) → region code, for the NANP area codes the geocoding data knows."""
    regions: dict[str, str] = {}
    for key in GEOCODE_DATA:
        if key.startswith("1") and len(key) == 4 and key[1:] not in regions:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(f"+{key}2345678"))
            if region:
                regions[key[1:]] = region
    return regions


def _geo_prefixes(iso: str, country_code: int) -> list[list[str]]:
    """Geographic prefixes (with country code) grouped by area, so that every area gets its share.

    For the US and Canada: the blocks (NPA, NPA-NXX …) whose place names a city, grouped by NPA."""
    cc = str(country_code)
    if iso not in NANP:
        keys = sorted(k for k in GEOCODE_DATA if k.startswith(cc))
        return [[k] for k in keys]
    regions = _nanp_regions()
    areas: dict[str, list[str]] = {}
    for key in sorted(GEOCODE_DATA):
        if key[0] == "1" and len(key) >= 4 and regions.get(key[1:4]) == iso and ", " in GEOCODE_DATA[key].get("en", ""):
            areas.setdefault(key[1:4], []).append(key)
    return [areas[npa] for npa in sorted(areas)]


@lru_cache(maxsize=128)
def _subdivision(iso: str, code: str) -> str:
    subdivision = pycountry.subdivisions.get(code=f"{iso}-{code}")
    return subdivision.name if subdivision is not None else code


# --- generation -------------------------------------------------------------------------------


def _make(country: CountryRates, kind: str, parsed: phonenumbers.PhoneNumber) -> InventoryNumber:
    iso = country.iso
    national = phonenumbers.national_significant_number(parsed)
    description = _geocode(f"{country.country_code}{national}") if kind == "local" else ""
    region, city = _place(description) if description else (country.name, "")
    rate_center, lata = None, None
    if iso in NANP:
        prefix = national[:3]
        if kind == "local" and city:
            region = _subdivision(iso, region)
            rate_center = rate_center_name(city)
            lata = _lata(region, rate_center)
    else:
        prefix = national[: phonenumbers.length_of_national_destination_code(parsed) or min(3, len(national))]
    services = country.services.get(kind, frozenset({"voice"}))
    return InventoryNumber(
        number=f"{country.country_code}{national}",
        national=national,
        country_iso=iso,
        number_type=kind,
        region=region,
        city=city,
        prefix=prefix,
        rate_center=rate_center,
        lata=lata,
        voice="voice" in services,
        sms="sms" in services,
        mms="mms" in services,
    )


def _generate_type(country: CountryRates, kind: str, taken: set[str]) -> list[InventoryNumber]:
    iso = country.iso
    wanted = (STOCK_NANP if iso in NANP else STOCK).get(kind, 500)
    rng = random.Random(f"switchboard-inventory:{iso}:{kind}")
    accepted = PHONENUMBERS_TYPES[kind]
    geo = _geo_prefixes(iso, country.country_code) if kind == "local" else []
    patterns = _patterns(iso, accepted)
    if not geo and not patterns:
        return []
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(iso)
    example = metadata.fixed_line.example_number if metadata and metadata.fixed_line else None
    lengths = [len(example)] if example else [10]
    cc = str(country.country_code)
    result: list[InventoryNumber] = []
    for _ in range(wanted * 20):
        if len(result) >= wanted:
            break
        if geo:
            start = rng.choice(rng.choice(geo))[len(cc):]
            length = rng.choice([n for n in lengths if n > len(start)] or [len(start) + 4])
            national = start + "".join(rng.choice("0123456789") for _ in range(length - len(start)))
        else:
            assert patterns is not None
            digits: list[str] = []
            _draw(_parsed(rng.choice(patterns)), rng, digits)
            national = "".join(digits)
        if f"{cc}{national}" in taken:
            continue
        try:
            parsed = phonenumbers.parse(f"+{cc}{national}")
        except phonenumbers.NumberParseException:
            continue
        if (
            not phonenumbers.is_valid_number_for_region(parsed, iso)
            or phonenumbers.number_type(parsed) not in accepted
        ):
            continue
        number = _make(country, kind, parsed)
        if kind == "local" and iso in NANP and number.rate_center is None:
            continue
        taken.add(number.number)
        result.append(number)
    return result


@lru_cache(maxsize=64)
def country_inventory(iso: str) -> CountryInventory | None:
    """The inventory of a country the rate table offers numbers in, or None."""
    country = rate_table().country(iso)
    if country is None or not country.rental:
        return None
    taken: set[str] = set()
    numbers: list[InventoryNumber] = []
    for kind in country.number_types:
        numbers.extend(_generate_type(country, kind, taken))
    numbers.sort(key=lambda n: n.number)
    return CountryInventory(country, numbers)


def find(number: str) -> InventoryNumber | None:
    """The inventory entry for ``number`` (E.164 digits), whatever its country, or None."""
    try:
        parsed = phonenumbers.parse("+" + number)
    except phonenumbers.NumberParseException:
        return None
    iso = phonenumbers.region_code_for_number(parsed)
    inventory = country_inventory(iso) if iso else None
    return inventory.get(number) if inventory else None
