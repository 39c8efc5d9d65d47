"""The field sweep's check itself (tests.helpers.field_problems): what it lets through and what it
names, on hand-made objects, so the per-resource field tests can be trusted to fail."""

from tests.helpers import field_problems

GO = {"name": "string", "count": "int", "flag": "*bool", "rates": [{"rate": "string"}], "nested": {"on": "bool"}}
FIXTURE = {"name": "x", "count": 1, "legacy": None, "units": 2, "rates": [{"rate": "0.1"}], "nested": {"on": True}}
GOOD = {"name": "a", "count": 2, "flag": None, "legacy": None, "units": 3, "rates": [{"rate": "0.00100"}],
        "nested": {"on": False}}


def problems(actual: dict, **options: object) -> list[str]:
    settings = {"extra": {}, "unserved": frozenset(), "nulls": frozenset()} | options
    return field_problems(actual, FIXTURE, GO, settings["extra"], settings["unserved"], settings["nulls"])  # type: ignore[arg-type]


def test_a_conforming_object_passes() -> None:
    assert problems(GOOD) == []


def test_wrong_json_types_are_named_with_their_path() -> None:
    bad = GOOD | {"count": "2", "name": 5, "units": "3", "rates": [{"rate": 0.001}], "nested": {"on": "true"}}
    assert sorted(problems(bad)) == [
        "count: string '2' where Go has int", "name: number 5 where Go has string",
        "nested.on: string 'true' where Go has bool", "rates[0].rate: number 0.001 where Go has string",
        "units: string where Plivo has number",
    ]
    assert problems(GOOD | {"count": True}) == ["count: boolean True where Go has int"]


def test_missing_unexpected_and_undocumented_null_keys() -> None:
    short = {key: value for key, value in GOOD.items() if key not in ("flag", "legacy")}
    assert problems(short) == ["flag: missing", "legacy: missing"]
    assert problems(short, unserved=frozenset({"flag", "legacy"})) == []
    assert problems(GOOD | {"surprise": 1}) == ["surprise: not in Plivo's fixture, the Go struct or the declared extras"]
    assert problems(GOOD | {"surprise": "1"}, extra={"surprise": "string"}) == []
    assert problems(GOOD | {"surprise": 1}, extra={"surprise": "string"}) == ["surprise: number 1 where Go has string"]
    assert problems(GOOD, extra={"nested.more": "int"}) == ["nested.more: missing"]
    assert problems(GOOD | {"name": None}) == ["name: null where Go has string and Plivo documents no null"]
    assert problems(GOOD | {"name": None}, nulls=frozenset({"name"})) == []
