"""Identity use cases against the in-memory adapters, with a clock the test moves."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from adapters.identity.argon2 import Argon2PasswordHasher
from adapters.identity.keys import development_key_ring
from adapters.identity.local_tokens import LocalTokenIssuer
from adapters.identity.memory import MemoryIdentityStore, MemoryIdentityUnitOfWork
from adapters.system.ids import Uuid7Generator
from application.identity.access_revocations import AccessRevocations
from application.identity.change_user_access import ChangeUserAccess, ChangeUserAccessHandler
from application.identity.list_users import ListUsers, ListUsersHandler
from application.identity.login import Login, LoginHandler
from application.identity.my_sessions import (
    EndMySession,
    EndMySessionHandler,
    ListMySessions,
    ListMySessionsHandler,
)
from application.identity.ports import PasswordHasher
from application.identity.refresh import Refresh, RefreshHandler
from application.identity.refresh_tokens import digest
from application.identity.register_user import RegisterUser, RegisterUserHandler
from domain.identity.errors import (
    InvalidCredentials,
    InvalidRefreshToken,
    MissingPermission,
    SessionNotFound,
)
from domain.identity.principal import Principal
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Role
from tests.support.clock import FixedClock

PASSWORD = "a long enough secret"
REFRESH_LIFETIME = timedelta(days=1)


class CountingHasher(PasswordHasher):
    """The real argon2 adapter, counting the verifications it is asked for."""

    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return await self.inner.hash(password)

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return await self.inner.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.inner.needs_rehash(password_hash)


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.store = MemoryIdentityStore()
        self.clock = FixedClock()
        self.ids = Uuid7Generator()
        self.hasher = CountingHasher(
            Argon2PasswordHasher(time_cost=1, memory_kib=64, parallelism=1)
        )
        keys = development_key_ring(tmp_path / "key.json")
        self.issuer = LocalTokenIssuer(
            keys, self.clock, issuer="portico", audience="api", lifetime_seconds=900
        )
        self.revocations = self.new_revocations()

    def uow(self, *, read_only: bool = False) -> IdentityUnitOfWork:
        return MemoryIdentityUnitOfWork(self.store, read_only=read_only)

    def new_revocations(self, max_entries: int = 100) -> AccessRevocations:
        return AccessRevocations(
            self.uow, self.clock, keep_for=timedelta(minutes=15), max_entries=max_entries
        )

    def login(self, hasher: PasswordHasher | None = None) -> LoginHandler:
        return LoginHandler(
            self.uow, hasher or self.hasher, self.issuer, self.clock, self.ids, REFRESH_LIFETIME
        )

    def refresh(self) -> RefreshHandler:
        return RefreshHandler(
            self.uow, self.issuer, self.clock, self.ids, REFRESH_LIFETIME, self.revocations
        )

    def change_access(
        self, revocations: AccessRevocations | None = None
    ) -> ChangeUserAccessHandler:
        return ChangeUserAccessHandler(self.uow, self.clock, revocations or self.revocations)

    async def register(self, email: str = "ada@example.com", *roles: Role) -> UUID:
        handler = RegisterUserHandler(self.uow, self.hasher, self.clock, self.ids)
        command = RegisterUser(
            email=email, password=PASSWORD, roles=frozenset(roles or [Role.CUSTOMER])
        )
        return (await handler(command)).id


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def admin() -> Principal:
    return Principal(
        subject="admin-1",
        roles=frozenset({Role.ADMIN}),
        token_id="t",
        expires_at=FixedClock().now(),
    )


def holder(user_id: UUID, version: int) -> Principal:
    return Principal(
        subject=str(user_id),
        roles=frozenset({Role.CUSTOMER}),
        token_id="t",
        expires_at=FixedClock().now(),
        access_version=version,
    )


async def test_an_unknown_email_costs_one_verification_like_a_wrong_password(world: World) -> None:
    await world.register()
    for email, password in (("nobody@example.com", PASSWORD), ("ada@example.com", "wrong one!!!!")):
        before = world.hasher.verifications
        with pytest.raises(InvalidCredentials):
            await world.login()(Login(email=email, password=password))
        assert world.hasher.verifications == before + 1
    with pytest.raises(InvalidCredentials):
        await world.login()(Login(email="not an email", password=PASSWORD))


async def test_login_rehashes_when_the_parameters_changed(world: World) -> None:
    user_id = await world.register()
    stronger = Argon2PasswordHasher(time_cost=2, memory_kib=128, parallelism=1)

    await world.login(stronger)(Login(email="ada@example.com", password=PASSWORD))

    async with world.uow(read_only=True) as uow:
        user = await uow.users.get(user_id)
    assert user is not None
    assert stronger.needs_rehash(user.password_hash) is False
    assert user.access_version == 1  # same password: existing tokens stay good
    await world.login(stronger)(Login(email="ada@example.com", password=PASSWORD))


async def test_an_expired_refresh_token_is_refused(world: World) -> None:
    await world.register()
    pair = await world.login()(Login(email="ada@example.com", password=PASSWORD))
    world.clock.advance(REFRESH_LIFETIME + timedelta(seconds=1))
    with pytest.raises(InvalidRefreshToken):
        await world.refresh()(Refresh(pair.refresh_token))


async def test_a_deactivation_is_recorded_at_once_and_ends_the_sessions(world: World) -> None:
    user_id = await world.register()
    pair = await world.login()(Login(email="ada@example.com", password=PASSWORD))
    assert world.revocations.allows(holder(user_id, 1))

    await world.change_access()(ChangeUserAccess(requester=admin(), user_id=user_id, active=False))

    assert not world.revocations.allows(holder(user_id, 1))
    with pytest.raises(InvalidRefreshToken):
        await world.refresh()(Refresh(pair.refresh_token))


async def test_another_process_learns_of_access_changes_at_its_next_sync(world: World) -> None:
    changed = await world.register("changed@example.com")
    untouched = await world.register("untouched@example.com")
    other_process = world.new_revocations()
    await other_process.sync()
    assert len(other_process) == 0  # new users: no older token can exist

    await world.change_access()(
        ChangeUserAccess(requester=admin(), user_id=changed, roles=frozenset({Role.STAFF}))
    )
    assert other_process.allows(holder(changed, 1))  # not yet synced
    await other_process.sync()

    assert not other_process.allows(holder(changed, 1))
    assert other_process.allows(holder(changed, 2))
    assert other_process.allows(holder(untouched, 1))
    assert len(other_process) == 1


async def test_revocation_entries_go_once_no_old_token_can_be_alive(world: World) -> None:
    user_id = await world.register()
    await world.change_access()(ChangeUserAccess(requester=admin(), user_id=user_id, active=False))
    assert len(world.revocations) == 1

    world.clock.advance(timedelta(minutes=16))
    await world.revocations.sync()

    assert len(world.revocations) == 0


def test_the_revocation_record_is_bounded(world: World) -> None:
    revocations = world.new_revocations(max_entries=3)
    users = [UUID(int=n) for n in range(5)]
    for user in users:
        revocations.record(user, 2, world.clock.now())
    assert len(revocations) == 3
    assert revocations.allows(holder(users[0], 1))  # the oldest went first
    assert not revocations.allows(holder(users[4], 1))


def test_a_token_without_an_access_version_is_not_judged_by_the_record(world: World) -> None:
    world.revocations.record(UUID(int=1), 5, world.clock.now())
    external = Principal(
        subject=str(UUID(int=1)), roles=frozenset(), token_id="t", expires_at=world.clock.now()
    )
    assert world.revocations.allows(external)


async def test_only_user_managers_list_users(world: World) -> None:
    await world.register()
    customer = holder(UUID(int=9), 1)
    with pytest.raises(MissingPermission):
        await ListUsersHandler(world.uow)(ListUsers(requester=customer))
    page = await ListUsersHandler(world.uow)(ListUsers(requester=admin()))
    assert [u.email for u in page.items] == ["ada@example.com"]


def in_session(user_id: UUID, session_id: UUID) -> Principal:
    return Principal(
        subject=str(user_id),
        roles=frozenset({Role.CUSTOMER}),
        token_id="t",
        expires_at=FixedClock().now(),
        access_version=1,
        session_id=str(session_id),
    )


async def test_another_process_refuses_an_ended_sessions_tokens_after_its_next_sync(
    world: World,
) -> None:
    user_id = await world.register()
    await world.login()(Login(email="ada@example.com", password=PASSWORD))
    await world.login()(Login(email="ada@example.com", password=PASSWORD))
    async with world.uow(read_only=True) as uow:
        phone, laptop = [s.id for s in await uow.sessions.of_user(user_id)]
    other_process = world.new_revocations()
    await other_process.sync()
    ending = EndMySessionHandler(world.uow, world.clock, world.revocations)

    await ending(EndMySession(requester=in_session(user_id, laptop), session_id=phone))

    assert not world.revocations.allows(in_session(user_id, phone))  # this process: at once
    assert other_process.allows(in_session(user_id, phone))  # the other: not yet synced
    await other_process.sync()
    assert not other_process.allows(in_session(user_id, phone))
    assert other_process.allows(in_session(user_id, laptop))
    world.clock.advance(timedelta(minutes=16))  # no token of that session can be alive now
    await other_process.sync()
    assert len(other_process) == 0


async def test_nobody_ends_another_users_session(world: World) -> None:
    ada = await world.register()
    bob = await world.register("bob@example.com")
    await world.login()(Login(email="bob@example.com", password=PASSWORD))
    async with world.uow(read_only=True) as uow:
        [bobs] = [s.id for s in await uow.sessions.of_user(bob)]
    ending = EndMySessionHandler(world.uow, world.clock, world.revocations)

    with pytest.raises(SessionNotFound):
        await ending(EndMySession(requester=in_session(ada, UUID(int=1)), session_id=bobs))

    listing = ListMySessionsHandler(world.uow, world.clock)
    assert [v.id for v in await listing(ListMySessions(in_session(bob, bobs)))] == [bobs]


async def test_a_refresh_of_a_session_ended_in_a_race_is_refused_and_ends_its_family(
    world: World,
) -> None:
    """On SQL a refresh racing a revocation can leave a new token in a revoked session's
    family; the session record is the authority, so that token is refused and revoked."""
    user_id = await world.register()
    pair = await world.login()(Login(email="ada@example.com", password=PASSWORD))
    async with world.uow() as uow:
        [session] = await uow.sessions.of_user(user_id)
        await uow.sessions.revoke([session.id], world.clock.now())  # the record alone
        await uow.commit()

    with pytest.raises(InvalidRefreshToken):
        await world.refresh()(Refresh(pair.refresh_token))

    async with world.uow(read_only=True) as uow:
        token = await uow.refresh_tokens.find(digest(pair.refresh_token))
    assert token is not None
    assert token.revoked_at is not None
    assert not world.revocations.allows(in_session(user_id, session.id))
