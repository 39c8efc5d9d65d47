from switchboard.core.pagination import meta

PATH = "/v1/Account/MAXXXXXXXXXXXXXXXXXX/Message/"


def test_first_page_of_many() -> None:
    assert meta(PATH, {}, 20, 0, 45) == {
        "limit": 20,
        "next": PATH + "?limit=20&offset=20",
        "offset": 0,
        "previous": None,
        "total_count": 45,
    }


def test_last_page_links_back() -> None:
    result = meta(PATH, {}, 20, 40, 45)
    assert result["next"] is None
    assert result["previous"] == PATH + "?limit=20&offset=20"


def test_previous_never_goes_below_zero() -> None:
    assert meta(PATH, {}, 20, 5, 45)["previous"] == PATH + "?limit=20&offset=0"


def test_filters_are_kept_and_none_dropped() -> None:
    result = meta(PATH, {"message_state": "sent", "subaccount": None, "offset": 99}, 10, 0, 11)
    assert result["next"] == PATH + "?message_state=sent&limit=10&offset=10"


def test_exact_fit_has_no_next() -> None:
    assert meta(PATH, {}, 20, 0, 20)["next"] is None
    assert meta(PATH, {}, 20, 0, 0) == {"limit": 20, "next": None, "offset": 0, "previous": None, "total_count": 0}
