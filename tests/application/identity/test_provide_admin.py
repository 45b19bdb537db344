"""ProvideAdmin (`portico users create-admin`): a new administrator, or an existing account
restored as one, whatever the API left of it (memory adapter)."""

from __future__ import annotations

from datetime import timedelta

from adapters.identity.argon2 import Argon2PasswordHasher
from adapters.identity.memory import MemoryIdentityStore, MemoryIdentityUnitOfWork
from adapters.system.ids import Uuid7Generator
from application.identity.access_revocations import AccessRevocations
from application.identity.provide_admin import ProvideAdmin, ProvideAdminHandler
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Role
from domain.identity.user import User
from tests.support.clock import FixedClock

PASSWORD = "a restored admin secret"


class World:
    def __init__(self) -> None:
        self.store = MemoryIdentityStore()
        self.clock = FixedClock()
        self.hasher = Argon2PasswordHasher(time_cost=1, memory_kib=64, parallelism=1)
        self.revocations = AccessRevocations(self.uow, self.clock, keep_for=timedelta(minutes=15))
        self.provide = ProvideAdminHandler(
            self.uow, self.hasher, self.clock, Uuid7Generator(), self.revocations
        )

    def uow(self, *, read_only: bool = False) -> IdentityUnitOfWork:
        return MemoryIdentityUnitOfWork(self.store, read_only=read_only)

    async def user(self, email: str) -> User:
        async with self.uow(read_only=True) as uow:
            found = await uow.users.get_by_email(email)
        assert found is not None
        return found


async def test_a_new_email_gets_a_new_administrator() -> None:
    world = World()
    provided = await world.provide(ProvideAdmin(email="Root@Example.com", password=PASSWORD))
    assert provided.created
    assert provided.user.email == "root@example.com"
    assert provided.user.roles == ("admin",)
    user = await world.user("root@example.com")
    assert await world.hasher.verify(user.password_hash, PASSWORD)


async def test_a_deactivated_customer_is_restored_as_an_active_administrator() -> None:
    world = World()
    async with world.uow() as uow:
        user = User.register(
            id=Uuid7Generator().new_id(),
            email="carol@example.com",
            password_hash=await world.hasher.hash("the old password!"),
            roles=frozenset({Role.CUSTOMER}),
            now=world.clock.now(),
        )
        user.change_access(now=world.clock.now(), active=False)
        await uow.users.add(user)
        await uow.commit()

    provided = await world.provide(ProvideAdmin(email="carol@example.com", password=PASSWORD))

    assert not provided.created
    assert provided.restored == ("activated", "admin role")
    assert provided.user.roles == ("admin", "customer")
    assert provided.user.active
    restored = await world.user("carol@example.com")
    assert await world.hasher.verify(restored.password_hash, PASSWORD)
    assert restored.access_version > user.access_version  # its earlier tokens are refused


async def test_an_active_administrator_only_gets_the_new_password() -> None:
    world = World()
    await world.provide(ProvideAdmin(email="root@example.com", password="the first secret!"))
    provided = await world.provide(ProvideAdmin(email="root@example.com", password=PASSWORD))
    assert not provided.created
    assert provided.restored == ()
    assert await world.hasher.verify((await world.user("root@example.com")).password_hash, PASSWORD)
