"""Applications: the URLs that numbers and endpoints point at.

An application belongs to the main account (``sub_account_id`` empty) or to one of its
subaccounts. The main account sees and changes all of them; a subaccount only its own. Within
one owner at most one application is the default number app and one the default endpoint app.
"""

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.models import Account, Application
from switchboard.accounts.scope import of_subaccount, visible
from switchboard.accounts.schemas import ApplicationCreate, ApplicationDelete, ApplicationList, ApplicationUpdate
from switchboard.core.clock import Clock
from switchboard.core.errors import ForbiddenError, NotFoundError, ValidationError
from switchboard.core.ids import new_numeric_id
from switchboard.core.pagination import fetch_page

_DEFAULT_FLAGS = ("default_number_app", "default_endpoint_app")


async def _owner_for(session: AsyncSession, ctx: AuthContext, subaccount: str | None) -> str | None:
    """The subaccount a new or moved application belongs to."""
    if subaccount in (None, ""):
        return ctx.sub_auth_id
    if ctx.sub_auth_id is not None and subaccount != ctx.sub_auth_id:
        raise ForbiddenError("a subaccount cannot assign applications to another subaccount")
    sub = await session.get(Account, subaccount)
    if sub is None or sub.parent_auth_id != ctx.main_auth_id:
        raise ValidationError(f"subaccount: {subaccount} is not a subaccount of {ctx.main_auth_id}")
    return sub.auth_id


async def _clear_other_defaults(session: AsyncSession, app: Application) -> None:
    for flag in _DEFAULT_FLAGS:
        if getattr(app, flag):
            await session.execute(
                update(Application)
                .where(
                    Application.account_id == app.account_id,
                    Application.sub_account_id.is_(None)
                    if app.sub_account_id is None
                    else Application.sub_account_id == app.sub_account_id,
                    Application.app_id != app.app_id,
                )
                .values({flag: False})
            )


async def create_application(session: AsyncSession, clock: Clock, ctx: AuthContext, params: ApplicationCreate) -> Application:
    values = params.model_dump(exclude={"subaccount"})
    app = Application(
        app_id=new_numeric_id(17),
        account_id=ctx.main_auth_id,
        sub_account_id=await _owner_for(session, ctx, params.subaccount),
        enabled=True,
        created=clock.now(),
        **values,
    )
    session.add(app)
    await session.flush()
    await _clear_other_defaults(session, app)
    await session.commit()
    return app


async def list_applications(session: AsyncSession, ctx: AuthContext, params: ApplicationList) -> tuple[list[Application], int]:
    statement = of_subaccount(visible(ctx, Application), ctx, Application, params.subaccount, "applications")
    if params.app_name is not None:
        statement = statement.where(Application.app_name == params.app_name)
    statement = statement.order_by(Application.created.desc(), Application.app_id.desc())
    return await fetch_page(session, statement, params)


async def get_application(session: AsyncSession, ctx: AuthContext, app_id: str) -> Application:
    app = await session.scalar(visible(ctx, Application).where(Application.app_id == app_id))
    if app is None:
        raise NotFoundError(f"application {app_id} not found")
    return app


async def update_application(session: AsyncSession, ctx: AuthContext, app_id: str, changes: ApplicationUpdate) -> Application:
    app = await get_application(session, ctx, app_id)
    values = changes.model_dump(exclude_unset=True, exclude_none=True)
    if "subaccount" in values:
        owner = await _owner_for(session, ctx, values.pop("subaccount"))
        if owner != app.sub_account_id:
            app.sub_account_id = owner
            for flag in _DEFAULT_FLAGS:
                values.setdefault(flag, False)
    for key, value in values.items():
        setattr(app, key, value)
    await session.flush()
    await _clear_other_defaults(session, app)
    await session.commit()
    return app


async def delete_application(session: AsyncSession, ctx: AuthContext, app_id: str, params: ApplicationDelete) -> None:
    """Delete an application. Its endpoints move to ``new_endpoint_application`` when one is
    given; otherwise they are deleted with ``cascade`` (the default) or left without an
    application. Numbers that used it are left without an application."""
    from sqlalchemy import delete

    from switchboard.endpoints.models import Endpoint
    from switchboard.numbers.models import RentedNumber

    app = await get_application(session, ctx, app_id)
    if params.new_endpoint_application:
        if params.new_endpoint_application == app_id:
            raise ValidationError("new_endpoint_application must be another application than the one deleted")
        target = await session.scalar(visible(ctx, Application).where(Application.app_id == params.new_endpoint_application))
        if target is None:
            raise ValidationError(f"new_endpoint_application: application {params.new_endpoint_application} not found")
    uses_app = Endpoint.app_id == app_id
    if params.cascade and not params.new_endpoint_application:
        await session.execute(delete(Endpoint).where(uses_app))
    else:
        await session.execute(update(Endpoint).where(uses_app).values(app_id=params.new_endpoint_application or None))
    await session.execute(update(RentedNumber).where(RentedNumber.app_id == app_id).values(app_id=None))
    await session.delete(app)
    await session.commit()


CHOICES = 500


async def application_choices(session: AsyncSession, ctx: AuthContext) -> list[Application]:
    """The applications the caller sees, by name (the first :data:`CHOICES`), for a form's choice
    of application; whether a number or endpoint may use one is still the service's check."""
    statement = visible(ctx, Application).order_by(Application.app_name, Application.app_id).limit(CHOICES)
    return list((await session.scalars(statement)).all())
