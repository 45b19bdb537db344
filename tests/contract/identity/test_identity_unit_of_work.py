"""ONE contract for UserRepository + RefreshTokenStore + their UnitOfWork, on every adapter."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.system.ids import Uuid7Generator
from application.identity.ports import IdentityUnitOfWorkFactory
from domain.identity.errors import EmailTaken
from domain.identity.events import UserAccessChanged, UserRegistered
from domain.identity.refresh_token import RefreshToken
from domain.identity.repository import IdentityUnitOfWork, UserPosition
from domain.identity.roles import Role
from domain.identity.user import User
from domain.shared.errors import ConcurrentUpdate

T0 = datetime(2026, 3, 1, 12, 0, 0, 654321, tzinfo=UTC)
ids = Uuid7Generator()


def new_user(
    email: str = "ada@example.com", at: datetime = T0, user_id: UUID | None = None
) -> User:
    return User.register(
        id=user_id or ids.new_id(),
        email=email,
        password_hash="$argon2id$not-a-real-hash",
        roles=frozenset({Role.CUSTOMER, Role.STAFF}),
        now=at,
    )


def new_token(user: User, family: UUID | None = None, digest: str | None = None) -> RefreshToken:
    token_id = ids.new_id()
    return RefreshToken(
        id=token_id,
        family_id=family or ids.new_id(),
        user_id=user.id,
        digest=digest or token_id.hex * 2,
        issued_at=T0,
        expires_at=T0 + timedelta(days=14),
    )


async def save(factory: IdentityUnitOfWorkFactory, *users: User) -> None:
    async with factory() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


async def save_tokens(factory: IdentityUnitOfWorkFactory, *tokens: RefreshToken) -> None:
    async with factory() as uow:
        for token in tokens:
            await uow.refresh_tokens.add(token)
        await uow.commit()


async def find(factory: IdentityUnitOfWorkFactory, digest: str) -> RefreshToken | None:
    async with factory(read_only=True) as uow:
        return await uow.refresh_tokens.find(digest)


async def test_a_committed_user_reads_back_equal_by_id_and_email(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)

    async with identity_uow_factory(read_only=True) as uow:
        by_id = await uow.users.get(user.id)
        by_email = await uow.users.get_by_email("ada@example.com")
        unknown = await uow.users.get_by_email("bob@example.com")

    assert by_id is not None
    assert by_email is not None
    assert unknown is None
    for loaded in (by_id, by_email):
        assert loaded.id == user.id
        assert loaded.email == "ada@example.com"
        assert loaded.password_hash == "$argon2id$not-a-real-hash"
        assert loaded.roles == {Role.CUSTOMER, Role.STAFF}
        assert loaded.active is True
        assert (loaded.version, loaded.access_version) == (1, 1)
        assert loaded.created_at == T0
        assert loaded.access_changed_at == T0


async def test_nothing_is_kept_without_commit(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    async with identity_uow_factory() as uow:
        await uow.users.add(user)
        await uow.refresh_tokens.add(new_token(user, digest="d" * 64))

    async with identity_uow_factory(read_only=True) as uow:
        assert await uow.users.get(user.id) is None
    assert await find(identity_uow_factory, "d" * 64) is None


async def test_an_email_is_one_account(identity_uow_factory: IdentityUnitOfWorkFactory) -> None:
    await save(identity_uow_factory, new_user("ada@example.com"))
    with pytest.raises(EmailTaken):
        await save(identity_uow_factory, new_user("ada@example.com"))


async def test_concurrent_sign_ups_of_one_email_leave_exactly_one(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    results = await asyncio.gather(
        *(save(identity_uow_factory, new_user("race@example.com")) for _ in range(2)),
        return_exceptions=True,
    )
    assert sum(result is None for result in results) == 1
    assert [type(r) for r in results if r is not None] == [EmailTaken]


async def test_access_changes_persist_and_stale_updates_are_refused(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    async with identity_uow_factory(read_only=True) as reader:
        stale = await reader.users.get(user.id)
    assert stale is not None

    later = T0 + timedelta(minutes=1)
    async with identity_uow_factory() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        loaded.change_access(now=later, roles=frozenset({Role.ADMIN}), active=False)
        await uow.users.update(loaded)
        await uow.commit()
    assert [type(e) for e in uow.committed_events] == [UserAccessChanged]

    with pytest.raises(ConcurrentUpdate):
        async with identity_uow_factory() as uow:
            stale.change_access(now=later, active=False)
            await uow.users.update(stale)
            await uow.commit()

    async with identity_uow_factory(read_only=True) as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None
    assert (stored.roles, stored.active) == ({Role.ADMIN}, False)
    assert (stored.version, stored.access_version) == (2, 2)
    assert stored.access_changed_at == later


async def test_access_changes_since_lists_recent_changes_oldest_first(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    old, recent = new_user("old@example.com"), new_user("recent@example.com")
    await save(identity_uow_factory, old, recent)
    for user, minutes in ((recent, 5), (old, 3)):
        async with identity_uow_factory() as uow:
            loaded = await uow.users.get(user.id)
            assert loaded is not None
            loaded.change_access(now=T0 + timedelta(minutes=minutes), active=False)
            await uow.users.update(loaded)
            await uow.commit()

    async with identity_uow_factory(read_only=True) as uow:
        changes = await uow.users.access_changes_since(T0 + timedelta(minutes=2))
        none = await uow.users.access_changes_since(T0 + timedelta(minutes=6))

    assert [(c.user_id, c.access_version) for c in changes] == [(old.id, 2), (recent.id, 2)]
    assert changes[0].changed_at == T0 + timedelta(minutes=3)
    assert none == []


async def test_users_page_in_sign_up_order(identity_uow_factory: IdentityUnitOfWorkFactory) -> None:
    made = [new_user(f"u{i}@example.com", at=T0 + timedelta(seconds=9 - i)) for i in range(5)]
    await save(identity_uow_factory, *made)
    seen: list[str] = []
    after: UserPosition | None = None
    async with identity_uow_factory(read_only=True) as uow:
        while page := await uow.users.page(after=after, limit=2):
            seen.extend(u.email for u in page)
            after = UserPosition(page[-1].created_at, page[-1].id)
    assert seen == [f"u{i}@example.com" for i in reversed(range(5))]


async def test_commit_hands_over_the_user_events(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    async with identity_uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    assert [type(e) for e in uow.committed_events] == [UserRegistered]


async def test_a_refresh_token_reads_back_by_digest(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    token = new_token(user, digest="a" * 64)
    await save_tokens(identity_uow_factory, token)

    assert await find(identity_uow_factory, "a" * 64) == token
    assert await find(identity_uow_factory, "b" * 64) is None


async def test_a_refresh_token_is_used_once(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    token = new_token(user)
    await save_tokens(identity_uow_factory, token)
    used_at = T0 + timedelta(minutes=1)

    async with identity_uow_factory() as uow:
        assert await uow.refresh_tokens.use(token, used_at) is True
        await uow.commit()
    async with identity_uow_factory() as uow:
        assert await uow.refresh_tokens.use(token, used_at) is False

    stored = await find(identity_uow_factory, token.digest)
    assert stored is not None
    assert stored.used_at == used_at
    assert stored.usable_at(used_at) is False


async def race_two(
    factory: IdentityUnitOfWorkFactory, use: Callable[[IdentityUnitOfWork], Awaitable[bool]]
) -> list[bool | BaseException]:
    """Two units of work try `use` at once, each committing only if it won; their results."""

    async def use_once() -> bool:
        async with factory() as uow:
            won = await use(uow)
            await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
            if won:
                await uow.commit()
            return won

    return list(await asyncio.gather(use_once(), use_once(), return_exceptions=True))


async def test_concurrent_uses_of_one_refresh_token_let_exactly_one_win(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    token = new_token(user)
    await save_tokens(identity_uow_factory, token)

    results = await race_two(identity_uow_factory, lambda uow: uow.refresh_tokens.use(token, T0))
    assert sum(result is True for result in results) == 1
    assert all(r is False or isinstance(r, ConcurrentUpdate) for r in results if r is not True)


async def test_revoking_a_family_spares_other_families_and_users(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user("ada@example.com"), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    family = ids.new_id()
    first, second = new_token(ada, family), new_token(ada, family)
    other_family, bobs = new_token(ada), new_token(bob)
    await save_tokens(identity_uow_factory, first, second, other_family, bobs)
    at = T0 + timedelta(hours=1)

    async with identity_uow_factory() as uow:
        await uow.refresh_tokens.revoke_family(family, at)
        await uow.commit()

    for token, revoked in ((first, True), (second, True), (other_family, False), (bobs, False)):
        stored = await find(identity_uow_factory, token.digest)
        assert stored is not None
        assert (stored.revoked_at == at) is revoked
        assert stored.usable_at(T0) is not revoked


async def test_revoking_all_of_a_user_spares_other_users(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user("ada@example.com"), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    adas = [new_token(ada), new_token(ada)]
    bobs = new_token(bob)
    await save_tokens(identity_uow_factory, *adas, bobs)

    async with identity_uow_factory() as uow:
        await uow.refresh_tokens.revoke_all_of(ada.id, T0)
        await uow.commit()

    for token in adas:
        stored = await find(identity_uow_factory, token.digest)
        assert stored is not None
        assert stored.revoked_at == T0
    stored_bob = await find(identity_uow_factory, bobs.digest)
    assert stored_bob is not None
    assert stored_bob.revoked_at is None


async def test_a_revoked_token_cannot_be_used_and_keeps_its_first_revocation(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    token = new_token(user)
    await save_tokens(identity_uow_factory, token)
    async with identity_uow_factory() as uow:
        await uow.refresh_tokens.revoke_family(token.family_id, T0)
        await uow.commit()
    async with identity_uow_factory() as uow:
        assert await uow.refresh_tokens.use(dataclasses.replace(token), T0) is False
        await uow.refresh_tokens.revoke_family(token.family_id, T0 + timedelta(days=1))
        await uow.commit()

    stored = await find(identity_uow_factory, token.digest)
    assert stored is not None
    assert (stored.used_at, stored.revoked_at) == (None, T0)


async def test_purge_forgets_only_tokens_expired_before_the_cutoff_at_commit(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    expired, live = new_token(user), new_token(user)
    expired = dataclasses.replace(expired, expires_at=T0 + timedelta(hours=1))
    async with identity_uow_factory() as uow:
        await uow.refresh_tokens.add(expired)
        await uow.refresh_tokens.add(live)
        await uow.commit()

    async with identity_uow_factory() as uow:  # not committed: nothing is forgotten
        assert await uow.refresh_tokens.purge_expired(T0 + timedelta(days=1)) == 1
    async with identity_uow_factory() as uow:
        assert await uow.refresh_tokens.find(expired.digest) is not None
        assert await uow.refresh_tokens.purge_expired(T0 + timedelta(days=1)) == 1
        await uow.commit()

    async with identity_uow_factory() as uow:
        assert await uow.refresh_tokens.find(expired.digest) is None
        assert await uow.refresh_tokens.find(live.digest) == live
        assert await uow.refresh_tokens.purge_expired(T0 + timedelta(days=1)) == 0
