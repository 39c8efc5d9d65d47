"""Stream tests: a voice agent built with the official stream SDK, for the test's account."""

from collections.abc import Iterator

import pytest

from tests.helpers import MainAccount
from tests.voice.stream.agent import Agent


@pytest.fixture
def agent(voice_account: MainAccount) -> Iterator[Agent]:
    server = Agent(voice_account.auth_token)
    try:
        yield server
    finally:
        server.stop()
