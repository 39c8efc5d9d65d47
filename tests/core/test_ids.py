import re

from switchboard.core.ids import MAIN_AUTH_ID, SUB_AUTH_ID, new_auth_id, new_auth_token, new_numeric_id


def test_formats() -> None:
    for _ in range(200):
        assert MAIN_AUTH_ID.match(new_auth_id("MA"))
        assert SUB_AUTH_ID.match(new_auth_id("SA"))
        assert re.fullmatch(r"[A-Za-z0-9]{40}", new_auth_token())
        assert re.fullmatch(r"[1-9][0-9]{16}", new_numeric_id(17))
