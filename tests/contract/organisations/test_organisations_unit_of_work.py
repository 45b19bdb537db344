"""ONE contract for the organisations' repositories and their unit of work, run unchanged on
every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from adapters.system.ids import Uuid7Generator
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from domain.organisations.invitation import Invitation, InvitationStatus
from domain.organisations.organisation import MemberRole, Organisation
from domain.organisations.repository import Position
from domain.shared.errors import ConcurrentUpdate

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
ids = Uuid7Generator()


def new_organisation(owner: UUID | None = None, at: datetime = T0) -> Organisation:
    return Organisation.create(id=ids.new_id(), name="Tea", owner_id=owner or ids.new_id(), now=at)


def new_invitation(organisation: Organisation, at: datetime = T0) -> Invitation:
    return Invitation.create(
        id=ids.new_id(),
        organisation_id=organisation.id,
        email="grace@example.com",
        role=MemberRole.ADMIN,
        invited_by=next(iter(organisation.members)),
        now=at,
    )


def state(item: Organisation) -> tuple[Any, ...]:
    members = sorted((m.user_id, m.role, m.joined_at) for m in item.members.values())
    return (item.id, item.name, item.version, item.created_at, item.updated_at, members)


def invitation_state(item: Invitation) -> tuple[Any, ...]:
    return (
        item.id,
        item.organisation_id,
        item.email,
        item.role,
        item.invited_by,
        item.status,
        item.digest,
        item.created_at,
        item.expires_at,
        item.updated_at,
        item.version,
    )


async def save(uow_factory: OrganisationsUnitOfWorkFactory, *items: Organisation) -> None:
    async with uow_factory() as uow:
        for item in items:
            await uow.organisations.add(item)
        await uow.commit()


async def load(uow_factory: OrganisationsUnitOfWorkFactory, key: UUID) -> Organisation | None:
    async with uow_factory(read_only=True) as uow:
        return await uow.organisations.get(key)


async def test_an_organisation_reads_back_equal_with_its_members(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    item = new_organisation()
    item.add_member(user_id=ids.new_id(), role=MemberRole.ADMIN, now=T0 + timedelta(seconds=1))
    await save(uow_factory, item)

    loaded = await load(uow_factory, item.id)

    assert loaded is not None
    assert state(loaded) == state(item)
    assert await load(uow_factory, ids.new_id()) is None


async def test_an_update_replaces_the_members_and_moves_the_version(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    owner, member = ids.new_id(), ids.new_id()
    item = new_organisation(owner)
    item.add_member(user_id=member, role=MemberRole.MEMBER, now=T0)
    await save(uow_factory, item)

    async with uow_factory() as uow:
        loaded = await uow.organisations.get(item.id)
        assert loaded is not None
        loaded.transfer_ownership(actor=owner, to=member, now=T0 + timedelta(minutes=1))
        loaded.rename(actor=member, name="Coffee", now=T0 + timedelta(minutes=1))
        await uow.organisations.update(loaded)
        await uow.commit()
    again = await load(uow_factory, item.id)

    assert again is not None
    assert state(again) == state(loaded)
    assert again.version == 2
    assert again.name == "Coffee"
    assert again.role_of(member) is MemberRole.OWNER
    assert again.role_of(owner) is MemberRole.ADMIN


async def test_a_stale_update_is_a_concurrent_update(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    owner = ids.new_id()
    item = new_organisation(owner)
    await save(uow_factory, item)
    first, second = await load(uow_factory, item.id), await load(uow_factory, item.id)
    assert first is not None
    assert second is not None
    first.rename(actor=owner, name="One", now=T0)
    second.rename(actor=owner, name="Two", now=T0)
    async with uow_factory() as uow:
        await uow.organisations.update(first)
        await uow.commit()

    with pytest.raises(ConcurrentUpdate):
        async with uow_factory() as uow:
            await uow.organisations.update(second)
            await uow.commit()
    stored = await load(uow_factory, item.id)
    assert stored is not None
    assert stored.name == "One"


async def test_pages_follow_creation_order_for_a_member_or_for_all(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    me = ids.new_id()
    mine = [new_organisation(me, T0 + timedelta(seconds=i)) for i in range(3)]
    other = new_organisation(None, T0 + timedelta(seconds=1, microseconds=5))
    joined = new_organisation(None, T0 + timedelta(seconds=5))
    joined.add_member(user_id=me, role=MemberRole.MEMBER, now=T0)
    await save(uow_factory, *mine, other, joined)

    async with uow_factory(read_only=True) as uow:
        first = await uow.organisations.page(member=me, after=None, limit=2)
        last = first[-1]
        rest = await uow.organisations.page(
            member=me, after=Position(last.created_at, last.id), limit=10
        )
        every = await uow.organisations.page(member=None, after=None, limit=10)

    assert [o.id for o in first + rest] == [o.id for o in [*mine, joined]]
    assert [o.id for o in every] == [mine[0].id, mine[1].id, other.id, mine[2].id, joined.id]
    assert state(rest[-1]) == state(joined)


async def test_removing_an_organisation_takes_its_invitations(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    owner = ids.new_id()
    item, kept = new_organisation(owner), new_organisation(owner)
    invitation, other = new_invitation(item), new_invitation(kept)
    async with uow_factory() as uow:
        for organisation in (item, kept):
            await uow.organisations.add(organisation)
        await uow.invitations.add(invitation)
        await uow.invitations.add(other)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.organisations.get(item.id)
        assert loaded is not None
        await uow.organisations.remove(loaded)
        await uow.commit()

    async with uow_factory(read_only=True) as uow:
        assert await uow.organisations.get(item.id) is None
        assert await uow.invitations.get(invitation.id) is None
        assert await uow.invitations.get(other.id) is not None


async def test_an_invitation_is_found_by_its_digest_until_it_is_answered(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    organisation = new_organisation()
    invitation = new_invitation(organisation)
    async with uow_factory() as uow:
        await uow.organisations.add(organisation)
        await uow.invitations.add(invitation)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.invitations.get(invitation.id)
        assert loaded is not None
        assert invitation_state(loaded) == invitation_state(invitation)
        loaded.issue(digest="a" * 64, now=T0 + timedelta(seconds=1))
        await uow.invitations.update(loaded)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        found = await uow.invitations.find("a" * 64)
        missing = await uow.invitations.find("b" * 64)
    assert found is not None
    assert invitation_state(found) == invitation_state(loaded)
    assert missing is None

    async with uow_factory() as uow:
        answering = await uow.invitations.find("a" * 64)
        assert answering is not None
        answering.accept(user_id=ids.new_id(), email="grace@example.com", now=T0)
        await uow.invitations.update(answering)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.invitations.find("a" * 64) is None
        answered = await uow.invitations.get(invitation.id)
    assert answered is not None
    assert answered.status is InvitationStatus.ACCEPTED


async def test_pending_lists_only_pending_invitations_of_the_organisation_in_order(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    organisation, elsewhere = new_organisation(), new_organisation()
    made = [new_invitation(organisation, T0 + timedelta(seconds=i)) for i in range(3)]
    made[1].revoke(by=ids.new_id(), now=T0)
    async with uow_factory() as uow:
        await uow.organisations.add(organisation)
        await uow.organisations.add(elsewhere)
        for invitation in [*made, new_invitation(elsewhere)]:
            await uow.invitations.add(invitation)
        await uow.commit()

    async with uow_factory(read_only=True) as uow:
        first = await uow.invitations.pending(organisation.id, after=None, limit=1)
        rest = await uow.invitations.pending(
            organisation.id, after=Position(first[0].created_at, first[0].id), limit=10
        )

    assert [i.id for i in first + rest] == [made[0].id, made[2].id]


async def test_a_stale_invitation_update_is_a_concurrent_update(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    organisation = new_organisation()
    invitation = new_invitation(organisation)
    async with uow_factory() as uow:
        await uow.organisations.add(organisation)
        await uow.invitations.add(invitation)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        first = await uow.invitations.get(invitation.id)
        second = await uow.invitations.get(invitation.id)
    assert first is not None
    assert second is not None
    first.revoke(by=ids.new_id(), now=T0)
    second.issue(digest="c" * 64, now=T0)
    async with uow_factory() as uow:
        await uow.invitations.update(first)
        await uow.commit()

    with pytest.raises(ConcurrentUpdate):
        async with uow_factory() as uow:
            await uow.invitations.update(second)
            await uow.commit()


async def test_nothing_is_kept_without_a_commit(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    item = new_organisation()
    async with uow_factory() as uow:
        await uow.organisations.add(item)

    assert await load(uow_factory, item.id) is None


async def test_role_of_answers_a_members_role_and_none_for_anybody_else(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    owner, member = ids.new_id(), ids.new_id()
    mine, theirs = new_organisation(owner), new_organisation()
    mine.add_member(user_id=member, role=MemberRole.MEMBER, now=T0)
    await save(uow_factory, mine, theirs)

    async with uow_factory(read_only=True) as uow:
        roles = [
            await uow.organisations.role_of(mine.id, owner),
            await uow.organisations.role_of(mine.id, member),
            await uow.organisations.role_of(theirs.id, owner),  # the tenant check of A in B
            await uow.organisations.role_of(ids.new_id(), owner),  # a forged id
        ]

    assert roles == [MemberRole.OWNER, MemberRole.MEMBER, None, None]
