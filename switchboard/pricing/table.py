"""The rate table: read once from a TOML file, then looked up in constant time.

The file ships as ``switchboard/pricing/rates.toml``; an operator may point the environment
variable ``SWITCHBOARD_RATE_TABLE`` at an edited copy. It is read the first time a rate is
needed and kept for the life of the process (restart to pick up edits).

Besides ``Pricing/``, the table drives the simulated network's inventory (the number types a
country offers and what they can receive) and the rates copied onto rented numbers; calls and
messages will be rated with :meth:`RateTable.voice_outbound_rate` and
:meth:`RateTable.message_outbound_rate`.
"""

import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers

DEFAULT_PATH = Path(__file__).resolve().parent / "rates.toml"
ENV_VAR = "SWITCHBOARD_RATE_TABLE"
NUMBER_TYPES = ("local", "mobile", "tollfree", "national")
SERVICES = ("voice", "sms", "mms")
ZERO = Decimal("0")


class RateTableError(ValueError):
    """The rate table file is malformed; the message names the country and key."""


def format_rate(value: Decimal) -> str:
    return f"{value:.5f}"


@dataclass(frozen=True)
class CountryRates:
    iso: str
    name: str
    country_code: int
    rental: dict[str, Decimal]
    setup: dict[str, Decimal]
    services: dict[str, frozenset[str]]
    voice_inbound: dict[str, Decimal]
    voice_outbound: dict[str, Decimal]
    voice_outbound_rates: list[tuple[list[str], Decimal]]
    message_inbound: Decimal
    message_outbound: Decimal
    message_networks: list[tuple[str, Decimal]]
    mms_inbound: Decimal
    mms_outbound: Decimal

    @property
    def number_types(self) -> tuple[str, ...]:
        """The number types this country's inventory offers, in Plivo's usual order."""
        return tuple(kind for kind in NUMBER_TYPES if kind in self.rental)

    def inbound_voice_rate(self, number_type: str) -> Decimal:
        return self.voice_inbound.get(number_type, self.voice_inbound.get("local", ZERO))


@dataclass
class RateTable:
    countries: dict[str, CountryRates]
    _voice_prefixes: dict[str, Decimal] = field(default_factory=dict)
    _longest_prefix: int = 0

    def __post_init__(self) -> None:
        for country in self.countries.values():
            for prefixes, rate in country.voice_outbound_rates:
                for prefix in prefixes:
                    self._voice_prefixes[prefix] = rate
        self._longest_prefix = max((len(p) for p in self._voice_prefixes), default=0)

    def country(self, iso: str) -> CountryRates | None:
        return self.countries.get(iso.upper())

    def voice_outbound_rate(self, number: str) -> Decimal | None:
        """Per-minute rate of a call to ``number`` (E.164 digits, ``+`` optional): the longest
        matching destination prefix of any country, else None."""
        digits = number.lstrip("+")
        for length in range(min(len(digits), self._longest_prefix), 0, -1):
            rate = self._voice_prefixes.get(digits[:length])
            if rate is not None:
                return rate
        return None

    def message_outbound_rate(self, number: str) -> Decimal | None:
        """Per-segment rate of an SMS to ``number``, by the country the number belongs to."""
        try:
            parsed = phonenumbers.parse("+" + number.lstrip("+"))
        except phonenumbers.NumberParseException:
            return None
        region = phonenumbers.region_code_for_number(parsed) or phonenumbers.region_code_for_country_code(
            parsed.country_code or 0
        )
        country = self.country(region)
        return country.message_outbound if country else None


def _rate(value: Any, where: str) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise RateTableError(f"{where}: {value!r} is not a rate") from None
    if not rate.is_finite() or rate < 0:
        raise RateTableError(f"{where}: {value!r} is not a rate")
    return rate


def _rates(values: dict[str, Any], where: str) -> dict[str, Decimal]:
    return {key: _rate(value, f"{where}.{key}") for key, value in values.items()}


def _country(iso: str, data: dict[str, Any]) -> CountryRates:
    where = f"countries.{iso}"
    country_code = phonenumbers.country_code_for_region(iso)
    if len(iso) != 2 or not iso.isupper() or country_code == 0:
        raise RateTableError(f"{where}: {iso!r} is not an ISO 3166 alpha-2 code the numbering plans know")
    rental = _rates(data.get("phone_numbers", {}), f"{where}.phone_numbers")
    for kind in rental:
        if kind not in NUMBER_TYPES:
            raise RateTableError(f"{where}.phone_numbers.{kind}: number types are {', '.join(NUMBER_TYPES)}")
    services: dict[str, frozenset[str]] = {}
    for kind, names in data.get("services", {}).items():
        unknown = set(names) - set(SERVICES)
        if unknown:
            raise RateTableError(f"{where}.services.{kind}: unknown services {sorted(unknown)}")
        services[kind] = frozenset(names)
    voice = data.get("voice", {})
    message = data.get("message", {})
    mms = data.get("mms", {})
    return CountryRates(
        iso=iso,
        name=str(data.get("name") or iso),
        country_code=country_code,
        rental=rental,
        setup=_rates(data.get("setup", {}), f"{where}.setup"),
        services=services,
        voice_inbound=_rates(voice.get("inbound", {}), f"{where}.voice.inbound"),
        voice_outbound=_rates(voice.get("outbound", {}), f"{where}.voice.outbound"),
        voice_outbound_rates=[
            ([str(p) for p in entry["prefix"]], _rate(entry["rate"], f"{where}.voice.outbound_rates"))
            for entry in voice.get("outbound_rates", [])
        ],
        message_inbound=_rate(message.get("inbound", "0"), f"{where}.message.inbound"),
        message_outbound=_rate(message.get("outbound", "0"), f"{where}.message.outbound"),
        message_networks=[
            (str(entry["group_name"]), _rate(entry["rate"], f"{where}.message.outbound_networks"))
            for entry in message.get("outbound_networks", [])
        ],
        mms_inbound=_rate(mms.get("inbound", "0"), f"{where}.mms.inbound"),
        mms_outbound=_rate(mms.get("outbound", "0"), f"{where}.mms.outbound"),
    )


def load_rate_table(path: Path) -> RateTable:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RateTableError(f"cannot read the rate table {path}: {exc}") from None
    try:
        countries = {iso: _country(iso, values) for iso, values in data.get("countries", {}).items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise RateTableError(f"rate table {path} is malformed: {exc!r}") from None
    return RateTable(countries)


@lru_cache(maxsize=1)
def rate_table() -> RateTable:
    """The process-wide rate table (``SWITCHBOARD_RATE_TABLE`` or the packaged file)."""
    return load_rate_table(Path(os.environ.get(ENV_VAR) or DEFAULT_PATH))
