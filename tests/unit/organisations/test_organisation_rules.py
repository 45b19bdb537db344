"""The organisation's rules: roles, the last owner, and who may change what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.system.ids import Uuid7Generator
from domain.organisations.errors import (
    AlreadyMember,
    LastOwner,
    MemberNotFound,
    OrganisationNotFound,
    RoleRequired,
)
from domain.organisations.events import (
    MemberLeft,
    MemberRoleChanged,
    OrganisationCreated,
    OwnershipTransferred,
)
from domain.organisations.organisation import MemberRole, Organisation, parse_role
from domain.shared.errors import InvalidValue

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ids = Uuid7Generator()
OWNER, ADMIN, MEMBER = MemberRole.OWNER, MemberRole.ADMIN, MemberRole.MEMBER


def organisation_with(*roles: MemberRole) -> tuple[Organisation, list[UUID]]:
    """An organisation created by its owner (users[0]), then a member per role given."""
    users = [ids.new_id() for _ in range(len(roles) + 1)]
    organisation = Organisation.create(id=ids.new_id(), name="Tea", owner_id=users[0], now=T0)
    for index, role in enumerate(roles, start=1):
        organisation.add_member(user_id=users[index], role=role, now=T0 + timedelta(seconds=index))
    organisation.pull_events()
    organisation.mark_persisted()  # as loaded from a store: the next change is version 2
    return organisation, users


def test_the_creator_is_the_only_owner_and_the_name_is_trimmed() -> None:
    owner = ids.new_id()
    organisation = Organisation.create(id=ids.new_id(), name="  Tea  ", owner_id=owner, now=T0)

    assert organisation.name == "Tea"
    assert organisation.role_of(owner) is OWNER
    assert organisation.owners() == 1
    [event] = organisation.pull_events()
    assert isinstance(event, OrganisationCreated)
    assert event.owner_id == owner


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "x" * 201])
def test_a_bad_name_is_refused_naming_the_field(name: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        Organisation.create(id=ids.new_id(), name=name, owner_id=ids.new_id(), now=T0)
    assert caught.value.field == "name"


def test_an_unknown_role_names_the_field() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_role("emperor")
    assert caught.value.field == "role"


def test_a_stranger_is_told_the_organisation_does_not_exist() -> None:
    organisation, _ = organisation_with()
    stranger = ids.new_id()
    with pytest.raises(OrganisationNotFound):
        organisation.rename(actor=stranger, name="Mine", now=T0)
    with pytest.raises(OrganisationNotFound):
        organisation.leave(user_id=stranger, now=T0)


def test_a_plain_member_may_not_rename_and_an_admin_may() -> None:
    organisation, [_, admin, member] = organisation_with(ADMIN, MEMBER)

    with pytest.raises(RoleRequired) as caught:
        organisation.rename(actor=member, name="Ours", now=T0)
    organisation.rename(actor=admin, name="Ours", now=T0)

    assert caught.value.needed == "admin"
    assert organisation.name == "Ours"
    assert organisation.version == 2


def test_only_an_owner_deletes() -> None:
    organisation, [owner, admin] = organisation_with(ADMIN)
    with pytest.raises(RoleRequired):
        organisation.delete(actor=admin, now=T0)
    organisation.delete(actor=owner, now=T0)


def test_an_admin_cannot_make_an_owner_nor_demote_or_remove_one() -> None:
    organisation, [owner, admin, member, co_owner] = organisation_with(ADMIN, MEMBER, OWNER)

    with pytest.raises(RoleRequired):
        organisation.change_role(actor=admin, user_id=member, role=OWNER, now=T0)
    with pytest.raises(RoleRequired):
        organisation.change_role(actor=admin, user_id=co_owner, role=MEMBER, now=T0)
    with pytest.raises(RoleRequired):
        organisation.remove_member(actor=admin, user_id=owner, now=T0)
    with pytest.raises(RoleRequired):
        organisation.check_invitation(actor=admin, role=OWNER)
    assert organisation.owners() == 2


def test_an_admin_promotes_a_member_to_admin() -> None:
    organisation, [_, admin, member] = organisation_with(ADMIN, MEMBER)

    organisation.change_role(actor=admin, user_id=member, role=ADMIN, now=T0)

    assert organisation.role_of(member) is ADMIN
    [event] = organisation.pull_events()
    assert isinstance(event, MemberRoleChanged)
    assert event.role == "admin"
    assert event.by == admin


def test_an_owner_makes_and_unmakes_owners_but_never_the_last() -> None:
    organisation, [owner, member] = organisation_with(MEMBER)

    organisation.change_role(actor=owner, user_id=member, role=OWNER, now=T0)
    organisation.change_role(actor=member, user_id=owner, role=ADMIN, now=T0)
    with pytest.raises(LastOwner):
        organisation.change_role(actor=member, user_id=member, role=ADMIN, now=T0)

    assert organisation.role_of(member) is OWNER
    assert organisation.role_of(owner) is ADMIN


def test_the_last_owner_can_neither_leave_nor_be_removed() -> None:
    organisation, [owner, _] = organisation_with(MEMBER)

    with pytest.raises(LastOwner):
        organisation.leave(user_id=owner, now=T0)
    with pytest.raises(LastOwner):
        organisation.remove_member(actor=owner, user_id=owner, now=T0)
    assert organisation.role_of(owner) is OWNER


def test_an_owner_leaves_when_another_owner_stays() -> None:
    organisation, [owner, co_owner] = organisation_with(OWNER)

    organisation.leave(user_id=owner, now=T0)

    assert owner not in organisation.members
    [event] = organisation.pull_events()
    assert isinstance(event, MemberLeft)
    assert event.user_id == owner
    with pytest.raises(LastOwner):
        organisation.leave(user_id=co_owner, now=T0)


def test_removing_someone_who_is_not_a_member_is_member_not_found() -> None:
    organisation, [owner] = organisation_with()
    with pytest.raises(MemberNotFound):
        organisation.remove_member(actor=owner, user_id=ids.new_id(), now=T0)


def test_transferring_ownership_makes_the_owner_an_admin() -> None:
    organisation, [owner, admin, member] = organisation_with(ADMIN, MEMBER)

    with pytest.raises(RoleRequired):
        organisation.transfer_ownership(actor=admin, to=member, now=T0)
    organisation.transfer_ownership(actor=owner, to=member, now=T0)

    assert organisation.role_of(member) is OWNER
    assert organisation.role_of(owner) is ADMIN
    assert organisation.owners() == 1
    [event] = organisation.pull_events()
    assert isinstance(event, OwnershipTransferred)
    assert (event.from_user_id, event.to_user_id) == (owner, member)


def test_a_member_joins_once() -> None:
    organisation, [owner] = organisation_with()
    with pytest.raises(AlreadyMember):
        organisation.add_member(user_id=owner, role=MEMBER, now=T0)
