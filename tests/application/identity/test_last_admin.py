"""ChangeUserAccess never leaves the system without an active administrator (memory adapter)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest

from adapters.identity.memory import MemoryIdentityStore, MemoryIdentityUnitOfWork
from adapters.system.ids import Uuid7Generator
from application.identity.access_revocations import AccessRevocations
from application.identity.change_user_access import ChangeUserAccess, ChangeUserAccessHandler
from domain.identity.errors import LastAdministrator
from domain.identity.principal import Principal
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Role
from domain.identity.user import User
from domain.shared.errors import ConcurrentUpdate
from domain.shared.events import DomainEvent
from tests.support.clock import FixedClock

ids = Uuid7Generator()


class SlowCommit(MemoryIdentityUnitOfWork):
    """Commits a little late, so that two use cases interleave as two requests would."""

    async def _commit(self, events: list[DomainEvent]) -> None:
        await asyncio.sleep(0.01)
        await super()._commit(events)


class World:
    def __init__(self) -> None:
        self.store = MemoryIdentityStore()
        self.clock = FixedClock()

    def uow(self, *, read_only: bool = False) -> IdentityUnitOfWork:
        return SlowCommit(self.store, read_only=read_only)

    async def add(self, email: str, *roles: Role) -> UUID:
        user = User.register(
            id=ids.new_id(),
            email=email,
            password_hash="$argon2id$x",
            roles=frozenset(roles),
            now=self.clock.now(),
        )
        async with self.uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        return user.id

    async def change(
        self,
        by: UUID | str,
        user_id: UUID,
        roles: frozenset[Role] | None = None,
        active: bool | None = None,
    ) -> None:
        revocations = AccessRevocations(self.uow, self.clock, keep_for=timedelta(minutes=15))
        handler = ChangeUserAccessHandler(self.uow, self.clock, revocations)
        requester = Principal(
            subject=str(by),
            roles=frozenset({Role.ADMIN}),
            token_id="t",
            expires_at=self.clock.now(),
        )
        await handler(
            ChangeUserAccess(requester=requester, user_id=user_id, roles=roles, active=active)
        )

    async def active_admins(self) -> list[UUID]:
        async with self.uow() as uow:
            return await uow.users.lock_active_admins()


@pytest.fixture
def world() -> World:
    return World()


async def test_the_last_admin_cannot_demote_themselves(world: World) -> None:
    root = await world.add("root@example.com", Role.ADMIN)

    with pytest.raises(LastAdministrator):
        await world.change(root, root, roles=frozenset({Role.STAFF}))

    assert await world.active_admins() == [root]


@pytest.mark.parametrize("demote", [True, False], ids=["demote", "deactivate"])
async def test_nobody_else_can_demote_or_deactivate_the_last_admin(
    world: World, demote: bool
) -> None:
    root = await world.add("root@example.com", Role.ADMIN)

    # An administrator known only to an external provider (no local account) is refused too.
    with pytest.raises(LastAdministrator):
        if demote:
            await world.change("oidc-admin", root, roles=frozenset({Role.CUSTOMER}))
        else:
            await world.change("oidc-admin", root, active=False)

    assert await world.active_admins() == [root]


async def test_an_admin_may_step_down_while_another_remains(world: World) -> None:
    one = await world.add("one@example.com", Role.ADMIN)
    two = await world.add("two@example.com", Role.ADMIN, Role.STAFF)

    await world.change(one, one, roles=frozenset({Role.STAFF}))
    with pytest.raises(LastAdministrator):
        await world.change(two, two, roles=frozenset({Role.STAFF}))

    assert await world.active_admins() == [two]


async def test_changes_that_keep_an_admin_are_not_checked(world: World) -> None:
    root = await world.add("root@example.com", Role.ADMIN)
    staff = await world.add("staff@example.com", Role.STAFF)

    await world.change(root, root, roles=frozenset({Role.ADMIN, Role.STAFF}))
    await world.change(root, staff, active=False)

    assert await world.active_admins() == [root]


async def test_two_admins_demoting_each_other_at_once_do_not_both_succeed(world: World) -> None:
    one = await world.add("one@example.com", Role.ADMIN)
    two = await world.add("two@example.com", Role.ADMIN)

    results = await asyncio.gather(
        world.change(one, two, roles=frozenset({Role.STAFF})),
        world.change(two, one, active=False),
        return_exceptions=True,
    )

    assert sum(result is None for result in results) == 1, results
    assert all(isinstance(r, LastAdministrator | ConcurrentUpdate) for r in results if r), results
    assert len(await world.active_admins()) == 1
