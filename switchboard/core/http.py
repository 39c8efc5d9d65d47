"""FastAPI dependencies and URI helpers shared by every area's routes."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.core.clock import Clock

API_PREFIX = "/v1/Account/{auth_id}"


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.sessionmaker() as session:
        yield session


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


Session = Annotated[AsyncSession, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]


def account_uri(auth_id: str) -> str:
    return f"/v1/Account/{auth_id}/"


def resource_uri(auth_id: str, *parts: str) -> str:
    return account_uri(auth_id) + "".join(f"{part}/" for part in parts)
