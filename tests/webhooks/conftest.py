"""Fixtures for webhook tests that need a webhook service of their own on a fresh database."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from switchboard.accounts.auth import CredentialCache
from switchboard.accounts.service import create_main_account
from switchboard.core.clock import Clock
from switchboard.core.db import Database
from switchboard.webhooks import WebhookConfig, Webhooks


class Stack:
    """A migrated database with one main account, and webhook services built on it."""

    def __init__(self, url: str):
        self.db = Database(url)
        self.clock = Clock()
        self.credentials = CredentialCache(self.db.sessionmaker, ttl=5)
        self.auth_id = ""
        self.services: list[Webhooks] = []

    async def setup(self) -> None:
        await self.db.migrate()
        self.auth_id = await self.new_account("Webhook tests")

    async def new_account(self, name: str) -> str:
        """Another main account; returns its auth_id."""
        async with self.db.session() as session:
            return (await create_main_account(session, self.clock, name=name)).auth_id

    async def service(self, **config: object) -> Webhooks:
        webhooks = Webhooks(self.db.sessionmaker, self.clock, self.credentials, WebhookConfig(**config),  # type: ignore[arg-type]
                            single_node=self.db.backend == "sqlite")
        await webhooks.start()
        self.services.append(webhooks)
        return webhooks


@pytest.fixture
async def stack(empty_database: str) -> AsyncIterator[Stack]:
    built = Stack(empty_database)
    await built.setup()
    try:
        yield built
    finally:
        for service in built.services:
            try:
                await asyncio.wait_for(service.stop(grace=0.5), 20)
            except TimeoutError:
                for task in asyncio.all_tasks():
                    task.print_stack()
                raise
        await built.db.dispose()
