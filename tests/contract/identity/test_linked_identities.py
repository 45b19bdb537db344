"""ONE contract for LinkedIdentityStore (accounts at outside providers that sign users in), on
every adapter of the identity unit of work."""

from __future__ import annotations

import asyncio

import pytest

from application.identity.ports import IdentityUnitOfWorkFactory
from domain.identity.errors import IdentityAlreadyLinked
from domain.identity.linked_identity import LinkedIdentity
from domain.identity.user import User
from tests.contract.identity.test_identity_unit_of_work import T0, new_user, save


def link(user: User, provider: str = "oidc", subject: str = "sub-1") -> LinkedIdentity:
    return LinkedIdentity(
        user_id=user.id, provider=provider, subject=subject, email=user.email, linked_at=T0
    )


async def save_links(factory: IdentityUnitOfWorkFactory, *links: LinkedIdentity) -> None:
    async with factory() as uow:
        for each in links:
            await uow.linked_identities.add(each)
        await uow.commit()


async def test_a_link_reads_back_by_provider_account_and_by_user(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user("ada@example.com"), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    await save_links(
        identity_uow_factory,
        link(ada, "oidc", "a-1"),
        link(ada, "github", "4242"),
        link(bob, "oidc", "b-1"),
    )

    async with identity_uow_factory(read_only=True) as uow:
        assert await uow.linked_identities.find("oidc", "a-1") == link(ada, "oidc", "a-1")
        assert await uow.linked_identities.find("github", "a-1") is None
        assert await uow.linked_identities.find("oidc", "nobody") is None
        mine = await uow.linked_identities.of_user(ada.id)
    assert [(each.provider, each.subject) for each in mine] == [("github", "4242"), ("oidc", "a-1")]
    assert mine[0].linked_at == T0
    assert mine[0].email == "ada@example.com"


async def test_nothing_is_linked_without_commit(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada = new_user()
    await save(identity_uow_factory, ada)
    async with identity_uow_factory() as uow:
        await uow.linked_identities.add(link(ada))
        assert await uow.linked_identities.find("oidc", "sub-1") == link(ada)  # seen inside
    async with identity_uow_factory(read_only=True) as uow:
        assert await uow.linked_identities.find("oidc", "sub-1") is None
        assert await uow.linked_identities.of_user(ada.id) == []


async def test_a_provider_account_links_to_one_user_only(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user("ada@example.com"), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    await save_links(identity_uow_factory, link(ada))
    with pytest.raises(IdentityAlreadyLinked):
        await save_links(identity_uow_factory, link(bob))
    async with identity_uow_factory(read_only=True) as uow:
        assert (await uow.linked_identities.find("oidc", "sub-1")) == link(ada)
        assert await uow.linked_identities.of_user(bob.id) == []


async def test_of_two_concurrent_links_of_one_provider_account_one_commits(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user("ada@example.com"), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)

    async def link_to(user: User) -> None:
        async with identity_uow_factory() as uow:
            await uow.linked_identities.add(link(user))
            await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
            await uow.commit()

    results = await asyncio.gather(link_to(ada), link_to(bob), return_exceptions=True)
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1, results
    assert isinstance(refused[0], IdentityAlreadyLinked), results
    async with identity_uow_factory(read_only=True) as uow:
        found = await uow.linked_identities.find("oidc", "sub-1")
    assert found is not None
    assert found.user_id in {ada.id, bob.id}


async def test_unlinking_removes_only_that_provider_and_frees_the_account(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user("ada@example.com"), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    await save_links(identity_uow_factory, link(ada, "oidc", "a-1"), link(ada, "github", "7"))

    async with identity_uow_factory() as uow:
        assert await uow.linked_identities.remove(ada.id, "oidc") is True
        assert await uow.linked_identities.remove(ada.id, "oidc") is False
        assert await uow.linked_identities.remove(bob.id, "github") is False
        await uow.commit()
    async with identity_uow_factory(read_only=True) as uow:
        assert await uow.linked_identities.find("oidc", "a-1") is None
        assert [each.provider for each in await uow.linked_identities.of_user(ada.id)] == ["github"]
    await save_links(identity_uow_factory, link(bob, "oidc", "a-1"))  # free for another user now
    async with identity_uow_factory(read_only=True) as uow:
        found = await uow.linked_identities.find("oidc", "a-1")
    assert found is not None
    assert found.user_id == bob.id
