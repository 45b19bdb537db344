"""ONE contract for AccountTokenStore (mailed verification and reset tokens) and the verified
email of a user, on every adapter of the identity unit of work."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from application.identity.ports import IdentityUnitOfWorkFactory
from domain.identity.account_token import AccountToken, TokenPurpose
from domain.identity.user import User
from domain.shared.errors import ConcurrentUpdate
from tests.contract.identity.test_identity_unit_of_work import T0, ids, new_user, race_two, save

RESET, VERIFY = TokenPurpose.RESET_PASSWORD, TokenPurpose.VERIFY_EMAIL


def new_token(user: User, purpose: TokenPurpose = RESET, digest: str | None = None) -> AccountToken:
    token_id = ids.new_id()
    return AccountToken(
        id=token_id,
        user_id=user.id,
        purpose=purpose,
        digest=digest or token_id.hex * 2,
        issued_at=T0,
        expires_at=T0 + timedelta(hours=1),
    )


async def save_tokens(factory: IdentityUnitOfWorkFactory, *tokens: AccountToken) -> None:
    async with factory() as uow:
        for token in tokens:
            await uow.account_tokens.add(token)
        await uow.commit()


async def find(
    factory: IdentityUnitOfWorkFactory, digest: str, purpose: TokenPurpose = RESET
) -> AccountToken | None:
    async with factory(read_only=True) as uow:
        return await uow.account_tokens.find(digest, purpose)


async def test_a_token_reads_back_by_digest_for_its_purpose_only(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    token = new_token(user, digest="c" * 64)
    await save_tokens(identity_uow_factory, token)

    assert await find(identity_uow_factory, "c" * 64) == token
    assert await find(identity_uow_factory, "c" * 64, VERIFY) is None  # a reset link verifies not
    assert await find(identity_uow_factory, "d" * 64) is None


async def test_a_token_is_used_once_and_spends_its_siblings_but_not_other_purposes(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user, other_user = new_user(), new_user("bob@example.com")
    await save(identity_uow_factory, user, other_user)
    first, second = new_token(user), new_token(user)
    verification, others = new_token(user, VERIFY), new_token(other_user)
    await save_tokens(identity_uow_factory, first, second, verification, others)
    at = T0 + timedelta(minutes=5)

    async with identity_uow_factory() as uow:
        assert await uow.account_tokens.use(first, at) is True
        await uow.commit()
    async with identity_uow_factory() as uow:
        assert await uow.account_tokens.use(first, at) is False  # used
        assert await uow.account_tokens.use(second, at) is False  # spent with it

    for token in (first, second):
        stored = await find(identity_uow_factory, token.digest)
        assert stored is not None
        assert stored.used_at == at
        assert not stored.usable_at(at)
    for token, purpose in ((verification, VERIFY), (others, RESET)):
        stored = await find(identity_uow_factory, token.digest, purpose)
        assert stored is not None
        assert stored.used_at is None


async def test_nothing_is_spent_without_commit(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    token = new_token(user)
    await save_tokens(identity_uow_factory, token)
    async with identity_uow_factory() as uow:
        assert await uow.account_tokens.use(token, T0) is True  # and no commit

    stored = await find(identity_uow_factory, token.digest)
    assert stored is not None
    assert stored.used_at is None


async def test_concurrent_uses_of_one_token_let_exactly_one_win(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    token = new_token(user)
    await save_tokens(identity_uow_factory, token)

    results = await race_two(identity_uow_factory, lambda uow: uow.account_tokens.use(token, T0))
    assert sum(result is True for result in results) == 1
    assert all(r is False or isinstance(r, ConcurrentUpdate) for r in results if r is not True)


async def test_purge_forgets_only_tokens_expired_before_the_cutoff(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    old, fresh = new_token(user), new_token(user, VERIFY)
    fresh = dataclasses.replace(fresh, expires_at=T0 + timedelta(days=2))
    await save_tokens(identity_uow_factory, old, fresh)

    async with identity_uow_factory() as uow:
        assert await uow.account_tokens.purge_expired(T0 + timedelta(days=1)) == 1
        await uow.commit()
    assert await find(identity_uow_factory, old.digest) is None
    assert await find(identity_uow_factory, fresh.digest, VERIFY) == fresh


async def test_a_verified_email_persists(identity_uow_factory: IdentityUnitOfWorkFactory) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    async with identity_uow_factory() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        assert not loaded.email_verified
        loaded.verify_email(T0 + timedelta(minutes=1))
        await uow.users.update(loaded)
        await uow.commit()

    async with identity_uow_factory(read_only=True) as uow:
        again = await uow.users.get(user.id)
    assert again is not None
    assert again.email_verified_at == T0 + timedelta(minutes=1)
