"""A finished identity unit of work is freed by reference counting, not left to the garbage
collector (its users' repository and second factors' store hold it; see
tests/contract/catalog/test_unit_of_work_freed.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.system.ids import Uuid7Generator
from application.identity.ports import IdentityUnitOfWorkFactory
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Role
from domain.identity.user import User
from tests.support.freed import freed_at_once


async def test_a_committed_unit_of_work_is_freed_at_once(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    async def register(uow: IdentityUnitOfWork) -> None:
        async with uow:
            await uow.users.add(
                User.register(
                    id=Uuid7Generator().new_id(),
                    email="ada@example.com",
                    password_hash="$argon2id$not-a-real-hash",
                    roles=frozenset({Role.CUSTOMER}),
                    now=datetime(2026, 12, 6, tzinfo=UTC),
                )
            )
            await uow.commit()

    assert await freed_at_once(identity_uow_factory, register)
