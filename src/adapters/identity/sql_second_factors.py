"""SqlSecondFactorStore: the second_factors table (migration 0009), via SQLAlchemy Core.

Writes go where the stored version is still the one read, so of two transactions that accept
the same code (or spend the same recovery code) the second waits for the first one's row lock,
then matches no row: ConcurrentUpdate.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.identity.tables import second_factors
from domain.identity.repository import IdentityUnitOfWork, SecondFactorStore
from domain.identity.second_factor import SecondFactor
from domain.shared.errors import ConcurrentUpdate


class SqlSecondFactorStore(SecondFactorStore):
    def __init__(self, connection: AsyncConnection, uow: IdentityUnitOfWork) -> None:
        self._conn = connection
        self._uow = uow

    async def get(self, user_id: UUID) -> SecondFactor | None:
        result = await self._conn.execute(
            select(second_factors).where(second_factors.c.user_id == user_id)
        )
        row = result.mappings().first()
        if row is None:
            return None
        factor = _factor(row)
        self._uow.saw(factor)
        return factor

    async def save(self, factor: SecondFactor) -> None:
        self._uow.saw(factor)
        if factor.persisted_version == 0:
            try:
                await self._conn.execute(insert(second_factors).values(**_row(factor)))
            except IntegrityError:
                raise _changed(factor) from None
        else:
            values = _row(factor)
            del values["user_id"], values["created_at"]
            result = await self._conn.execute(
                update(second_factors).where(*_as_read(factor)).values(**values)
            )
            if result.rowcount != 1:
                raise _changed(factor)
        factor.mark_persisted()

    async def remove(self, factor: SecondFactor) -> None:
        self._uow.saw(factor)
        result = await self._conn.execute(delete(second_factors).where(*_as_read(factor)))
        if result.rowcount != 1:
            raise _changed(factor)


def _as_read(factor: SecondFactor) -> tuple[Any, ...]:
    return (
        second_factors.c.user_id == factor.user_id,
        second_factors.c.version == factor.persisted_version,
    )


def _changed(factor: SecondFactor) -> ConcurrentUpdate:
    return ConcurrentUpdate(f"the second factor of {factor.user_id} was changed meanwhile")


def _row(factor: SecondFactor) -> dict[str, Any]:
    return {
        "user_id": factor.user_id,
        "sealed_secret": factor.sealed_secret,
        "active": factor.active,
        "last_step": factor.last_step,
        "recovery_digests": ",".join(factor.recovery_digests),
        "version": factor.version,
        "created_at": factor.created_at,
        "updated_at": factor.updated_at,
    }


def _factor(row: RowMapping) -> SecondFactor:
    return SecondFactor(
        user_id=row["user_id"],
        sealed_secret=row["sealed_secret"],
        active=bool(row["active"]),
        last_step=row["last_step"],
        recovery_digests=tuple(d for d in row["recovery_digests"].split(",") if d),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )
