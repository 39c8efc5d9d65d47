from collections.abc import Iterator

import pytest

from tests.console.helpers import ConsoleUser
from tests.helpers import LiveServer, MainAccount


@pytest.fixture
def console(server: LiveServer, account: MainAccount) -> Iterator[ConsoleUser]:
    """The console signed in as ``account``."""
    user = ConsoleUser(server)
    assert user.sign_in(account.auth_id, account.auth_token).status_code == 303
    yield user
    user.close()


@pytest.fixture
def anonymous(server: LiveServer) -> Iterator[ConsoleUser]:
    user = ConsoleUser(server)
    yield user
    user.close()
