"""Relative-URL resolution, the ``#ct=…&rc=…`` fragment, and the URL that is sent."""

import pytest

from switchboard.webhooks.urls import InvalidUrl, RetryPolicy, host_key, normalize_params, parse_policy, request_url, resolve_url, target

DOC = "https://app.example.com/ivr/menu.xml?lang=fr#ct=500"


@pytest.mark.parametrize(
    ("relative", "absolute"),
    [
        ("next.xml", "https://app.example.com/ivr/next.xml"),
        ("/other/step", "https://app.example.com/other/step"),
        ("../up", "https://app.example.com/up"),
        ("?step=2", "https://app.example.com/ivr/menu.xml?step=2"),
        ("//cdn.example.net/x", "https://cdn.example.net/x"),
        ("http://elsewhere.test/a#rc=2", "http://elsewhere.test/a#rc=2"),
        ("  digits  ", "https://app.example.com/ivr/digits"),
    ],
)
def test_relative_urls_resolve_against_the_document(relative: str, absolute: str) -> None:
    assert resolve_url(relative, DOC) == absolute


def test_without_a_base_the_url_is_kept() -> None:
    assert resolve_url("https://a.test/x", None) == "https://a.test/x"


def test_fragment_sets_the_policy_and_is_not_sent() -> None:
    found = target("https://a.test/answer?x=1#ct=300&rt=1500&tt=4000&rc=3&rp=ct,5xx&er=frankfurt", "get")
    assert found.url == "https://a.test/answer?x=1"
    assert found.method == "GET"
    assert found.policy == RetryPolicy(connect_ms=300, read_ms=1500, total_ms=4000, retries=3, retry_on=frozenset({"ct", "5xx"}))
    assert "#" not in request_url(found.url, found.method, normalize_params({"From": "1"}))


def test_defaults_are_plivos() -> None:
    assert target("https://a.test/answer").policy == RetryPolicy(2000, 40000, 55000, 1, frozenset({"ct", "rt"}))


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("ct=5", {"connect_ms": 100}),
        ("ct=999999", {"connect_ms": 10000}),
        ("rt=99999999", {"read_ms": 40000}),
        ("tt=1", {"total_ms": 100}),
        ("rc=9", {"retries": 5}),
        ("rc=-1", {"retries": 0}),
        ("rc=abc", {}),
        ("rp=all", {"retry_on": frozenset({"ct", "rt", "4xx", "5xx"})}),
        ("rp=4xx,bogus", {"retry_on": frozenset({"4xx"})}),
        ("section-2", {}),
    ],
)
def test_fragment_values_are_clamped_or_ignored(fragment: str, expected: dict) -> None:
    policy = parse_policy(fragment, RetryPolicy())
    for key, value in expected.items():
        assert getattr(policy, key) == value
    if not expected:
        assert policy == RetryPolicy()


def test_get_keeps_the_customer_query_and_appends_params() -> None:
    url = request_url("http://h.test/a?keep=1", "GET", normalize_params({"From": "+1 415", "Flag": True, "Skip": None}))
    assert url == "http://h.test/a?keep=1&From=%2B1+415&Flag=true"


def test_post_keeps_the_query_string_untouched() -> None:
    assert request_url("http://h.test/a?keep=1&x=%20", "POST", normalize_params({"From": "1"})) == "http://h.test/a?keep=1&x=%20"


@pytest.mark.parametrize("bad", ["", "ftp://h.test/x", "/relative/without/base", "http://", "https://[::1/x", "http://h.test/" + "x" * 2048, "http://\U000441d6\U000b8a11s/x"])
def test_unusable_urls_are_refused(bad: str) -> None:
    with pytest.raises(InvalidUrl):
        target(bad)


def test_method_must_be_get_or_post() -> None:
    with pytest.raises(InvalidUrl):
        target("http://h.test/x", "PUT")


def test_host_key() -> None:
    assert host_key("https://Example.COM/x") == "example.com:443"
    assert host_key("http://127.0.0.1:8080/x") == "127.0.0.1:8080"
