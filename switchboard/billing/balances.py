"""Balance reads for the credit checks on the hot paths: each billing increment of a prepaid
call, each dispatched batch of a prepaid account's messages. One :class:`Balances` per node
(``app.state.balances``), shared by voice and messaging.

A balance is the sum of the account's ledger, nothing else. On SQLite (one writer at a time, so
rows commit in ``entry_id`` order and none can appear below the last one read) a node keeps, per
account, the sum up to the last ``entry_id`` it read and adds the rows after it: a read scans the
rows added since, not the account's whole ledger. On PostgreSQL transactions commit out of
``entry_id`` order, so a read is the SUM of the account's rows.
"""

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.models import Account
from switchboard.billing.models import PLACES
from switchboard.billing.service import balance, prepaid_balance

# ``+account_id`` keeps SQLite on the primary key's range rather than the account index
_ADDED_SINCE = text("SELECT sum(amount), max(entry_id) FROM billing_ledger WHERE entry_id > :mark AND +account_id = :account")


class Balances:
    def __init__(self) -> None:
        self._sums: dict[str, tuple[int, int]] = {}
        """SQLite: per account, the last ``entry_id`` read and the sum (in units of 0.00001) up to it."""

    async def read(self, session: AsyncSession, main_auth_id: str) -> Decimal:
        """The balance of main account ``main_auth_id``."""
        if session.get_bind().dialect.name != "sqlite":
            return await balance(session, main_auth_id)
        mark, units = self._sums.get(main_auth_id, (0, 0))
        added, top = (await session.execute(_ADDED_SINCE, {"mark": mark, "account": main_auth_id})).one()
        if top is not None:
            mark, units = top, units + int(added)
            self._sums[main_auth_id] = (mark, units)
        return Decimal(units).scaleb(-PLACES)

    async def read_to_spend(self, session: AsyncSession, accounts: Sequence[str]) -> dict[str, Decimal]:
        """The balances of main ``accounts`` about to be spent in ``session``'s transaction. On
        PostgreSQL the accounts' rows stay locked (``FOR NO KEY UPDATE``, which inserts referring
        to them do not wait for) until it commits, so another node spending the same account
        reads the balance after this transaction's charges."""
        if session.get_bind().dialect.name != "sqlite":
            await session.execute(select(Account.auth_id).where(Account.auth_id.in_(accounts))
                                  .order_by(Account.auth_id).with_for_update(key_share=True))
        return {auth_id: await self.read(session, auth_id) for auth_id in accounts}

    async def prepaid(self, session: AsyncSession, main_auth_id: str) -> Decimal | None:
        """The balance of a prepaid main account; None for a postpaid one (never refused)."""
        return await prepaid_balance(session, main_auth_id, self.read)
