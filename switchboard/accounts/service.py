"""Accounts and subaccounts."""

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.models import Account, Application
from switchboard.accounts.schemas import AccountUpdate, SubaccountCreate, SubaccountUpdate
from switchboard.core.clock import Clock
from switchboard.accounts.auth import AccountRecord
from switchboard.core.errors import ForbiddenError, NotFoundError
from switchboard.core.ids import main_credentials_problem, new_auth_id, new_auth_token
from switchboard.core.pagination import PageParams, fetch_page


async def create_main_account(
    session: AsyncSession,
    clock: Clock,
    *,
    name: str = "Switchboard",
    auth_id: str | None = None,
    auth_token: str | None = None,
    billing_mode: str = "postpaid",
) -> Account:
    problem = main_credentials_problem(auth_id, auth_token)
    if problem:
        raise ValueError(problem)
    account = Account(
        auth_id=auth_id or new_auth_id("MA"),
        auth_token=auth_token or new_auth_token(),
        name=name,
        enabled=True,
        billing_mode=billing_mode,
        created=clock.now(),
    )
    session.add(account)
    await session.commit()
    return account


async def first_main_account(session: AsyncSession) -> Account | None:
    return await session.scalar(
        select(Account).where(Account.parent_auth_id.is_(None)).order_by(Account.created, Account.auth_id).limit(1)
    )


async def update_account(session: AsyncSession, clock: Clock, auth_id: str, changes: AccountUpdate) -> Account:
    account = await session.get(Account, auth_id)
    if account is None:
        raise NotFoundError(f"account {auth_id} not found")
    for key, value in changes.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(account, key, value)
    account.modified = clock.now()
    await session.commit()
    return account


def require_main(account: Account | AccountRecord) -> None:
    """Only a main account manages subaccounts (Plivo's rule): ForbiddenError for a subaccount."""
    if not account.is_main:
        raise ForbiddenError(f"only a main account manages subaccounts; {account.auth_id} is a subaccount")


async def create_subaccount(session: AsyncSession, clock: Clock, main_auth_id: str, params: SubaccountCreate) -> Account:
    sub = Account(
        auth_id=new_auth_id("SA"),
        auth_token=new_auth_token(),
        parent_auth_id=main_auth_id,
        name=params.name,
        enabled=params.enabled,
        created=clock.now(),
    )
    session.add(sub)
    await session.commit()
    return sub


async def list_subaccounts(session: AsyncSession, main_auth_id: str, page: PageParams) -> tuple[list[Account], int]:
    statement = (
        select(Account)
        .where(Account.parent_auth_id == main_auth_id)
        .order_by(Account.created.desc(), Account.auth_id.desc())
    )
    return await fetch_page(session, statement, page)


async def get_subaccount(session: AsyncSession, main_auth_id: str, sub_auth_id: str) -> Account:
    sub = await session.get(Account, sub_auth_id)
    if sub is None or sub.parent_auth_id != main_auth_id:
        raise NotFoundError(f"subaccount {sub_auth_id} not found")
    return sub


async def update_subaccount(
    session: AsyncSession, clock: Clock, main_auth_id: str, sub_auth_id: str, changes: SubaccountUpdate
) -> Account:
    sub = await get_subaccount(session, main_auth_id, sub_auth_id)
    for key, value in changes.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(sub, key, value)
    sub.modified = clock.now()
    await session.commit()
    return sub


async def delete_subaccount(session: AsyncSession, main_auth_id: str, sub_auth_id: str, *, cascade: bool) -> None:
    """Delete a subaccount. With ``cascade`` its applications and endpoints go too and its
    numbers are released (unrented, or removed if they came from an own carrier); without, all
    of them move to the main account (applications losing their default-application flags,
    which belong to the subaccount)."""
    from switchboard.endpoints.models import Endpoint
    from switchboard.numbers.models import RentedNumber

    sub = await get_subaccount(session, main_auth_id, sub_auth_id)
    owned = Application.sub_account_id == sub.auth_id
    if cascade:
        await session.execute(delete(Endpoint).where(Endpoint.sub_account_id == sub.auth_id))
        await session.execute(delete(RentedNumber).where(RentedNumber.sub_account_id == sub.auth_id))
        await session.execute(delete(Application).where(owned))
    else:
        await session.execute(
            update(Application)
            .where(owned)
            .values(sub_account_id=None, default_number_app=False, default_endpoint_app=False)
        )
        for model in (Endpoint, RentedNumber):
            await session.execute(update(model).where(model.sub_account_id == sub.auth_id).values(sub_account_id=None))
    await session.delete(sub)
    await session.commit()



async def subaccount_choices(session: AsyncSession, main_auth_id: str, limit: int = 500) -> list[Account]:
    """The main account's subaccounts by name (the first ``limit``), for a form's choice of owner."""
    statement = select(Account).where(Account.parent_auth_id == main_auth_id).order_by(Account.name, Account.auth_id)
    return list((await session.scalars(statement.limit(limit))).all())
