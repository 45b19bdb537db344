"""SqlLinkedIdentityStore: the links to provider accounts in the linked_identities table."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import RowMapping, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.identity.tables import linked_identities
from domain.identity.errors import IdentityAlreadyLinked
from domain.identity.linked_identity import LinkedIdentity, LinkedIdentityStore

_table = linked_identities


class SqlLinkedIdentityStore(LinkedIdentityStore):
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, identity: LinkedIdentity) -> None:
        try:
            await self._conn.execute(
                insert(_table).values(
                    provider=identity.provider,
                    subject=identity.subject,
                    user_id=identity.user_id,
                    email=identity.email,
                    linked_at=identity.linked_at,
                )
            )
        except IntegrityError:
            raise IdentityAlreadyLinked() from None

    async def find(self, provider: str, subject: str) -> LinkedIdentity | None:
        result = await self._conn.execute(
            select(_table).where(_table.c.provider == provider, _table.c.subject == subject)
        )
        row = result.mappings().first()
        return None if row is None else _identity(row)

    async def of_user(self, user_id: UUID) -> list[LinkedIdentity]:
        result = await self._conn.execute(
            select(_table).where(_table.c.user_id == user_id).order_by(_table.c.provider)
        )
        return [_identity(row) for row in result.mappings()]

    async def remove(self, user_id: UUID, provider: str) -> bool:
        result = await self._conn.execute(
            delete(_table).where(_table.c.user_id == user_id, _table.c.provider == provider)
        )
        return bool(result.rowcount == 1)


def _identity(row: RowMapping) -> LinkedIdentity:
    return LinkedIdentity(
        user_id=row["user_id"],
        provider=row["provider"],
        subject=row["subject"],
        email=row["email"],
        linked_at=row["linked_at"],
    )
