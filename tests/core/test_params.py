import pytest

from switchboard.core.errors import ValidationError
from switchboard.core.pagination import PageParams
from switchboard.core.params import Params, validate
from switchboard.core.validators import HttpMethod, Name, Url


class Example(Params):
    name: Name
    flag: bool = False
    count: int = 0
    method: HttpMethod = "POST"
    url: Url = ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), ("true", True), ("True", True), ("1", True), (1, True), (False, False), ("false", False), ("0", False), (0, False)],
)
def test_booleans_as_the_sdks_send_them(raw: object, expected: bool) -> None:
    assert validate(Example, {"name": "n", "flag": raw}).flag is expected


def test_numbers_strings_and_nulls() -> None:
    parsed = validate(Example, {"name": 42, "count": "20", "flag": None, "unknown": "ignored"})
    assert (parsed.name, parsed.count, parsed.flag) == ("42", 20, False)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "name is required"),
        ({"name": "n", "count": "twenty"}, "count: Input should be a valid integer"),
        ({"name": "n", "flag": "perhaps"}, "flag: Input should be a valid boolean"),
        ({"name": "n", "method": "put"}, "method: Value error, must be GET or POST"),
        ({"name": "n", "url": "/relative"}, "url: Value error, must be an absolute http:// or https:// URL"),
        ({"name": " "}, "name: String should have at least 1 character"),
    ],
)
def test_errors_name_the_parameter(params: dict, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate(Example, params)
    assert info.value.message.startswith(message)
    assert info.value.status_code == 400


def test_several_problems_are_all_reported() -> None:
    with pytest.raises(ValidationError) as info:
        validate(Example, {"count": "x"})
    assert info.value.message == "name is required; count: Input should be a valid integer, unable to parse string as an integer"


def test_page_bounds() -> None:
    assert validate(PageParams, {"limit": "20", "offset": "40"}).limit == 20
    for bad in ({"limit": 0}, {"limit": 21}, {"offset": -1}):
        with pytest.raises(ValidationError):
            validate(PageParams, bad)
