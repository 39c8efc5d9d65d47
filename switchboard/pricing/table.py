"""The rate table: read once from a TOML file, then looked up in constant time.

The file ships as ``switchboard/pricing/rates.toml``; an operator may point the environment
variable ``SWITCHBOARD_RATE_TABLE`` at an edited copy. It is read the first time a rate is
needed and kept for the life of the process (restart to pick up edits).

Besides ``Pricing/``, the table drives the simulated network's inventory (the number types a
country offers and what they can receive), the rates copied onto rented numbers, and billing:
calls are rated with :meth:`RateTable.voice_outbound_tariff` (rate and billing increments) and
messages with :meth:`RateTable.message_outbound_rate` (see ``switchboard.billing.rating``).
"""

import os
import tomllib
from dataclasses import dataclass, field, replace
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
DEFAULT_INCREMENTS = (60, 60)


class RateTableError(ValueError):
    """The rate table file is malformed; the message names the country and key."""


def format_rate(value: Decimal) -> str:
    return f"{value:.5f}"


@dataclass(frozen=True)
class VoiceTariff:
    """What a call costs: ``rate`` per minute, billed ``initial`` seconds at least, then in steps of
    ``increment`` seconds (Plivo's "60/60", "6/6", "1/1")."""

    rate: Decimal
    initial: int = DEFAULT_INCREMENTS[0]
    increment: int = DEFAULT_INCREMENTS[1]
    country: str = ""  # ISO code of the country the rate belongs to, for the usage report


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
    voice_increments: tuple[int, int] = DEFAULT_INCREMENTS
    # destination prefix -> its own increments, where an outbound_rates entry names them
    prefix_increments: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def number_types(self) -> tuple[str, ...]:
        """The number types this country's inventory offers, in Plivo's usual order."""
        return tuple(kind for kind in NUMBER_TYPES if kind in self.rental)

    def inbound_voice_rate(self, number_type: str) -> Decimal:
        return self.voice_inbound.get(number_type, self.voice_inbound.get("local", ZERO))

    def inbound_voice_tariff(self, rate: Decimal) -> VoiceTariff:
        """A call received on one of this country's numbers, at the number's ``rate``."""
        return VoiceTariff(rate, *self.voice_increments, country=self.iso)


@dataclass
class RateTable:
    countries: dict[str, CountryRates]
    transcription: Decimal = ZERO
    """Per started minute of a transcribed recording (``[recording] transcription``)."""
    storage: Decimal = ZERO
    """Per minute of recording per month, once it is kept beyond ``storage_free_days`` (``[recording] storage``)."""
    storage_free_days: int = 90
    stream: Decimal = ZERO
    """Per started minute of an audio stream (``[stream] rate``)."""
    _voice_prefixes: dict[str, VoiceTariff] = field(default_factory=dict)
    _longest_prefix: int = 0
    # prefixes several countries list (NANP's "1"): their calls' country comes from the number
    _shared_prefixes: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for country in self.countries.values():
            for prefixes, rate in country.voice_outbound_rates:
                for prefix in prefixes:
                    increments = country.prefix_increments.get(prefix, country.voice_increments)
                    if prefix in self._voice_prefixes:
                        self._shared_prefixes.add(prefix)
                    self._voice_prefixes[prefix] = VoiceTariff(rate, *increments, country=country.iso)
        self._longest_prefix = max((len(p) for p in self._voice_prefixes), default=0)

    def country(self, iso: str) -> CountryRates | None:
        return self.countries.get(iso.upper())

    def voice_outbound_tariff(self, number: str) -> VoiceTariff | None:
        """Rate and increments of a call to ``number`` (E.164 digits, ``+`` optional): the longest
        matching destination prefix of any country, else None."""
        digits = number.lstrip("+")
        for length in range(min(len(digits), self._longest_prefix), 0, -1):
            tariff = self._voice_prefixes.get(digits[:length])
            if tariff is not None:
                if digits[:length] in self._shared_prefixes:
                    country = self.destination_country(digits)
                    return replace(tariff, country=country.iso if country else "")
                return tariff
        return None

    def voice_outbound_rate(self, number: str) -> Decimal | None:
        """Per-minute rate of a call to ``number``, else None (see :meth:`voice_outbound_tariff`)."""
        tariff = self.voice_outbound_tariff(number)
        return tariff.rate if tariff is not None else None

    def destination_country(self, number: str) -> CountryRates | None:
        """The country ``number`` belongs to, if the table has it."""
        try:
            parsed = phonenumbers.parse("+" + number.lstrip("+"))
        except phonenumbers.NumberParseException:
            return None
        region = phonenumbers.region_code_for_number(parsed) or phonenumbers.region_code_for_country_code(
            parsed.country_code or 0
        )
        return self.country(region)

    def message_outbound_rate(self, number: str) -> Decimal | None:
        """Per-segment rate of an SMS to ``number``, by the country the number belongs to."""
        country = self.destination_country(number)
        return country.message_outbound if country else None

    def mms_outbound_rate(self, number: str) -> Decimal | None:
        """Per-message rate of an MMS to ``number``, by the country the number belongs to."""
        country = self.destination_country(number)
        return country.mms_outbound if country else None


def _rate(value: Any, where: str) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise RateTableError(f"{where}: {value!r} is not a rate") from None
    if not rate.is_finite() or rate < 0:
        raise RateTableError(f"{where}: {value!r} is not a rate")
    return rate


def _increments(value: Any, where: str) -> tuple[int, int]:
    """``"initial/increment"`` in whole seconds, such as ``"60/60"`` or ``"6/6"``."""
    initial, sep, step = str(value).partition("/")
    if sep and initial.strip().isdigit() and step.strip().isdigit() and int(initial) > 0 and int(step) > 0:
        return int(initial), int(step)
    raise RateTableError(f"{where}: {value!r} is not INITIAL/INCREMENT in whole seconds above 0, such as \"60/60\"")


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
    increments = _increments(voice.get("increments", "60/60"), f"{where}.voice.increments")
    prefix_increments = {
        str(prefix): _increments(entry["increments"], f"{where}.voice.outbound_rates")
        for entry in voice.get("outbound_rates", []) if "increments" in entry for prefix in entry["prefix"]
    }
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
        voice_increments=increments,
        prefix_increments=prefix_increments,
    )


def load_rate_table(path: Path) -> RateTable:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RateTableError(f"cannot read the rate table {path}: {exc}") from None
    try:
        countries = {iso: _country(iso, values) for iso, values in data.get("countries", {}).items()}
        recording = data.get("recording", {})
        transcription = _rate(recording.get("transcription", "0"), "recording.transcription")
        storage = _rate(recording.get("storage", "0"), "recording.storage")
        free_days = recording.get("storage_free_days", 90)
        stream = _rate(data.get("stream", {}).get("rate", "0"), "stream.rate")
    except (KeyError, TypeError, AttributeError) as exc:
        raise RateTableError(f"rate table {path} is malformed: {exc!r}") from None
    if isinstance(free_days, bool) or not isinstance(free_days, int) or free_days < 0:
        raise RateTableError(f"recording.storage_free_days: {free_days!r} is not a whole number of days")
    return RateTable(countries, transcription, storage, free_days, stream)


@lru_cache(maxsize=1)
def rate_table() -> RateTable:
    """The process-wide rate table (``SWITCHBOARD_RATE_TABLE`` or the packaged file)."""
    return load_rate_table(Path(os.environ.get(ENV_VAR) or DEFAULT_PATH))
