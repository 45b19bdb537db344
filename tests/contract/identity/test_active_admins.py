"""UserRepository.lock_active_admins on every identity store: who counts, and that two units of
work removing one administrator each cannot both commit."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest

from application.identity.ports import IdentityUnitOfWorkFactory
from domain.identity.errors import LastAdministrator
from domain.identity.roles import Role
from domain.identity.user import User, ensure_an_admin_remains
from domain.shared.errors import ConcurrentUpdate
from tests.contract.identity.test_identity_unit_of_work import T0, ids, save


def user(email: str, *roles: Role, active: bool = True) -> User:
    account = User.register(
        id=ids.new_id(), email=email, password_hash="$argon2id$x", roles=frozenset(roles), now=T0
    )
    if not active:
        account.change_access(now=T0, active=False)
    return account


async def test_only_active_administrators_are_listed(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    one, two = user("one@example.com", Role.ADMIN), user("two@example.com", Role.ADMIN, Role.STAFF)
    others = [
        user("off@example.com", Role.ADMIN, active=False),
        user("staff@example.com", Role.STAFF),
        user("customer@example.com", Role.CUSTOMER),
    ]
    await save(identity_uow_factory, one, two, *others)

    async with identity_uow_factory() as uow:
        admins = await uow.users.lock_active_admins()

    assert sorted(admins) == sorted([one.id, two.id])


async def demote(factory: IdentityUnitOfWorkFactory, user_id: UUID) -> str:
    async with factory() as uow:
        target = await uow.users.get(user_id)
        assert target is not None
        target.change_access(now=T0 + timedelta(minutes=1), roles=frozenset({Role.STAFF}))
        admins = await uow.users.lock_active_admins()
        await asyncio.sleep(0.05)  # hold the lock while the other one tries
        ensure_an_admin_remains(target, admins)
        await uow.users.update(target)
        await uow.commit()
    return "demoted"


async def test_two_administrators_demoting_each_other_at_once_leave_one(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    one, two = user("one@example.com", Role.ADMIN), user("two@example.com", Role.ADMIN)
    await save(identity_uow_factory, one, two)

    results = await asyncio.gather(
        demote(identity_uow_factory, one.id),
        demote(identity_uow_factory, two.id),
        return_exceptions=True,
    )

    assert sum(result == "demoted" for result in results) == 1, results
    refused = [r for r in results if r != "demoted"]
    assert all(isinstance(r, LastAdministrator | ConcurrentUpdate) for r in refused), results
    async with identity_uow_factory() as uow:
        assert len(await uow.users.lock_active_admins()) == 1


@pytest.mark.parametrize("active", [True, False])
async def test_a_lone_administrator_stays(
    identity_uow_factory: IdentityUnitOfWorkFactory, active: bool
) -> None:
    lone = user("lone@example.com", Role.ADMIN)
    await save(identity_uow_factory, lone)

    with pytest.raises(LastAdministrator):
        async with identity_uow_factory() as uow:
            target = await uow.users.get(lone.id)
            assert target is not None
            if active:
                target.change_access(now=T0, roles=frozenset({Role.CUSTOMER}))
            else:
                target.change_access(now=T0, active=False)
            ensure_an_admin_remains(target, await uow.users.lock_active_admins())
