"""Endpoints: SIP users of an account.

Usernames are made unique the way Plivo makes them: the requested name plus a 12-digit suffix,
the creation time as ``yymmddHHMMSS`` (``zumba`` → ``zumba131031145958``). When that name is
taken (several endpoints with one name in the same second), the suffix moves on by a second
until it is free; a name that stays taken after :data:`USERNAME_ATTEMPTS` tries is refused
with a 409. Usernames are unique across the server, since they share one SIP domain.

An endpoint belongs to the main account or to the subaccount whose credentials created it;
the main account sees and changes all of them, a subaccount only its own.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.core.clock import Clock
from switchboard.core.errors import ConflictError, NotFoundError
from switchboard.core.ids import new_numeric_id
from switchboard.core.pagination import PageParams, fetch_page
from switchboard.endpoints.digest import ha1
from switchboard.accounts.scope import visible
from switchboard.endpoints.models import Endpoint
from switchboard.endpoints.schemas import EndpointCreate, EndpointUpdate
from switchboard.numbers.service import check_application, default_application

USERNAME_ATTEMPTS = 100


async def _free_username(session: AsyncSession, base: str, now: datetime) -> str:
    candidates = [f"{base}{(now + timedelta(seconds=step)):%y%m%d%H%M%S}" for step in range(USERNAME_ATTEMPTS)]
    taken = set((await session.scalars(select(Endpoint.username).where(Endpoint.username.in_(candidates)))).all())
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    raise ConflictError(
        f"username: {base!r} is taken: {USERNAME_ATTEMPTS} endpoints named {base} were created around this time; "
        "choose another username or retry later"
    )


async def create_endpoint(session: AsyncSession, clock: Clock, ctx: AuthContext, params: EndpointCreate, realm: str) -> Endpoint:
    owner = ctx.sub_auth_id
    app_id = (
        await check_application(session, ctx, params.app_id, owner)
        if params.app_id
        else await default_application(session, ctx.main_auth_id, owner, "default_endpoint_app")
    )
    now = clock.now()
    username = await _free_username(session, params.username, now)
    endpoint = Endpoint(
        endpoint_id=new_numeric_id(14),
        account_id=ctx.main_auth_id,
        sub_account_id=owner,
        app_id=app_id,
        username=username,
        alias=params.alias,
        password_ha1=ha1(username, realm, params.password),
        sip_realm=realm,
        created=now,
    )
    session.add(endpoint)
    try:
        await session.commit()
    except IntegrityError:  # another request took the same name between the check and the insert
        await session.rollback()
        raise ConflictError(f"username: {username} was just taken by another endpoint; retry") from None
    return endpoint


async def list_endpoints(session: AsyncSession, ctx: AuthContext, page: PageParams) -> tuple[list[Endpoint], int]:
    statement = visible(ctx, Endpoint).order_by(Endpoint.created.desc(), Endpoint.endpoint_id)
    return await fetch_page(session, statement, page)


async def get_endpoint(session: AsyncSession, ctx: AuthContext, endpoint_id: str) -> Endpoint:
    endpoint = await session.scalar(visible(ctx, Endpoint).where(Endpoint.endpoint_id == endpoint_id))
    if endpoint is None:
        raise NotFoundError(f"endpoint {endpoint_id} not found")
    return endpoint


async def update_endpoint(
    session: AsyncSession, ctx: AuthContext, endpoint_id: str, changes: EndpointUpdate, realm: str
) -> Endpoint:
    endpoint = await get_endpoint(session, ctx, endpoint_id)
    if changes.app_id is not None:
        endpoint.app_id = (
            await check_application(session, ctx, changes.app_id, endpoint.sub_account_id) if changes.app_id else None
        )
    if changes.alias is not None:
        endpoint.alias = changes.alias
    if changes.password is not None:
        endpoint.password_ha1 = ha1(endpoint.username, realm, changes.password)
        endpoint.sip_realm = realm
    await session.commit()
    return endpoint


async def delete_endpoint(session: AsyncSession, ctx: AuthContext, endpoint_id: str) -> None:
    endpoint = await get_endpoint(session, ctx, endpoint_id)
    await session.delete(endpoint)
    await session.commit()


# --- for the SIP registrar --------------------------------------------------------------------


async def endpoint_by_username(session: AsyncSession, username: str) -> Endpoint | None:
    return await session.scalar(select(Endpoint).where(Endpoint.username == username))


async def record_registration(
    session: AsyncSession, endpoint_id: str, *, contact: str | None, expires: datetime | None, user_agent: str | None
) -> None:
    """Store (or, with ``contact=None``, clear) an endpoint's SIP registration."""
    registered = contact is not None
    await session.execute(
        update(Endpoint)
        .where(Endpoint.endpoint_id == endpoint_id)
        .values(
            sip_registered=registered,
            sip_contact=contact,
            sip_expires=expires if registered else None,
            sip_user_agent=user_agent if registered else None,
        )
    )
    await session.commit()
