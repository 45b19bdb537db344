"""ONE contract for a deleted (erased) account on every adapter of the identity unit of work:
memory, SQLite, PostgreSQL, MariaDB and Redis. The erased user reads back with nothing
personal, its address is free for a new account, and its mailed tokens can be forgotten."""

from __future__ import annotations

from datetime import timedelta

from application.identity.ports import IdentityUnitOfWorkFactory
from domain.identity.account_token import TokenPurpose
from domain.identity.user import tombstone_email
from tests.contract.identity.test_account_tokens import find, new_token, save_tokens
from tests.contract.identity.test_identity_unit_of_work import T0, new_user, save


async def test_an_erased_account_reads_back_without_personal_data_and_frees_its_address(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada = new_user()
    await save(identity_uow_factory, ada)

    async with identity_uow_factory() as uow:
        stored = await uow.users.get(ada.id)
        assert stored is not None
        stored.erase(T0 + timedelta(minutes=1))
        await uow.users.update(stored)
        await uow.commit()
    again = new_user()  # the same address, a new account
    await save(identity_uow_factory, again)

    async with identity_uow_factory(read_only=True) as uow:
        erased = await uow.users.get(ada.id)
        by_address = await uow.users.get_by_email("ada@example.com")
        changes = await uow.users.access_changes_since(T0 + timedelta(minutes=1))
    assert erased is not None
    assert erased.erased
    assert (erased.email, erased.password_hash) == (tombstone_email(ada.id), "")
    assert (erased.roles, erased.active, erased.email_verified_at) == (frozenset(), False, None)
    assert erased.access_version == 2
    assert by_address is not None
    assert by_address.id == again.id
    assert [c.user_id for c in changes] == [ada.id]  # other processes void its access tokens


async def test_a_users_mailed_tokens_are_forgotten_and_nobody_elses(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user(), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    reset, verify = new_token(ada), new_token(ada, TokenPurpose.VERIFY_EMAIL)
    bobs = new_token(bob)
    await save_tokens(identity_uow_factory, reset, verify, bobs)

    async with identity_uow_factory() as uow:
        await uow.account_tokens.forget_user(ada.id)
        await uow.commit()

    assert await find(identity_uow_factory, reset.digest) is None
    assert await find(identity_uow_factory, verify.digest, TokenPurpose.VERIFY_EMAIL) is None
    assert await find(identity_uow_factory, bobs.digest) == bobs
