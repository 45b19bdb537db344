"""The organisations use cases: creating, listing, roles, leaving, and the invitation mail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.organisations.accept_invitation import AcceptInvitation, AcceptInvitationHandler
from application.organisations.change_member_role import (
    ChangeMemberRole,
    ChangeMemberRoleHandler,
)
from application.organisations.create_organisation import (
    CreateOrganisation,
    CreateOrganisationHandler,
)
from application.organisations.delete_organisation import (
    DeleteOrganisation,
    DeleteOrganisationHandler,
)
from application.organisations.get_organisation import GetOrganisation, GetOrganisationHandler
from application.organisations.invite_member import InviteMember, InviteMemberHandler
from application.organisations.leave_organisation import (
    LeaveOrganisation,
    LeaveOrganisationHandler,
)
from application.organisations.list_invitations import ListInvitations, ListInvitationsHandler
from application.organisations.list_members import ListMembers, ListMembersHandler
from application.organisations.list_organisations import (
    ListOrganisations,
    ListOrganisationsHandler,
)
from application.organisations.revoke_invitation import (
    RevokeInvitation,
    RevokeInvitationHandler,
)
from application.organisations.views import OrganisationView
from domain.identity.errors import MissingPermission
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.organisations.errors import InvalidInvitationToken, LastOwner, OrganisationNotFound
from domain.organisations.invitation import INVITATION_LIFETIME
from tests.application.organisations.conftest import World, ids, principal_of
from tests.support.mail import mails_to, token_of


async def create(world: World, owner: Principal, name: str = "Tea") -> OrganisationView:
    handler = CreateOrganisationHandler(**world.parts("uow", "clock", "ids"))
    return await handler(CreateOrganisation(requester=owner, name=name))


async def invite(world: World, by: Principal, org: OrganisationView, email: str, role: str) -> str:
    """Invite, let the consumer mail the link, and return the token the mail carries."""
    handler = InviteMemberHandler(**world.parts("uow", "clock", "ids"))
    made = await handler(InviteMember(requester=by, organisation_id=org.id, email=email, role=role))
    before = sum(1 for m in world.server.received if m.recipients == [made.email])
    assert await world.mailed_events() == 1
    return token_of((await mails_to(world.server, made.email, before + 1))[-1])


async def test_the_creator_owns_it_and_lists_it_others_do_not_see_it(world: World) -> None:
    owner, stranger = await world.user(), await world.user()
    made = await create(world, owner)
    listing = ListOrganisationsHandler(world.uow)
    get = GetOrganisationHandler(world.uow)

    mine = await listing(ListOrganisations(requester=owner))
    theirs = await listing(ListOrganisations(requester=stranger))
    with pytest.raises(OrganisationNotFound):
        await get(GetOrganisation(stranger, made.id))

    assert made.my_role == "owner"
    assert made.members == 1
    assert [o.id for o in mine.items] == [made.id]
    assert theirs.items == []


async def test_only_a_platform_admin_lists_every_organisation(world: World) -> None:
    owner = await world.user()
    made = await create(world, owner)
    admin = principal_of(ids.new_id(), Role.ADMIN)  # not a member
    listing = ListOrganisationsHandler(world.uow)

    every = await listing(ListOrganisations(requester=admin, every=True))
    seen = await GetOrganisationHandler(world.uow)(GetOrganisation(admin, made.id))
    with pytest.raises(MissingPermission):
        await listing(ListOrganisations(requester=owner, every=True))

    assert [o.id for o in every.items] == [made.id]
    assert seen.my_role is None


async def test_an_invitation_mails_a_link_that_adds_the_member_once(world: World) -> None:
    owner, grace = await world.user(), await world.user("grace@example.com")
    org = await create(world, owner)
    token = await invite(world, owner, org, "Grace@Example.com", "admin")
    accept = AcceptInvitationHandler(**world.parts("uow", "emails", "clock"))

    joined = await accept(AcceptInvitation(requester=grace, token=token))
    with pytest.raises(InvalidInvitationToken):
        await accept(AcceptInvitation(requester=grace, token=token))
    members = await ListMembersHandler(world.uow)(
        ListMembers(requester=grace, organisation_id=org.id)
    )

    [mail] = await mails_to(world.server, "Grace@Example.com")
    assert mail.message["Subject"] == "You are invited to Tea on Portico"
    assert "https://shop.example/organisation-invitation?token=" in mail.part("plain")
    assert joined.my_role == "admin"
    assert joined.members == 2
    assert {(m.user_id, m.role) for m in members.items} == {
        (owner.user_id, "owner"),
        (grace.user_id, "admin"),
    }


async def test_a_mail_resent_by_the_bus_replaces_the_token(world: World) -> None:
    owner, grace = await world.user(), await world.user("grace@example.com")
    org = await create(world, owner)
    await InviteMemberHandler(**world.parts("uow", "clock", "ids"))(
        InviteMember(
            requester=owner, organisation_id=org.id, email="grace@example.com", role="member"
        )
    )
    async with world.outbox.claim(10) as batch:
        [event] = [e for e in batch.events if e.type == "organisations.MemberInvited"]
        batch.sent(len(batch.events))
    assert await world.mail(event)
    assert await world.mail(event)
    first, second = await mails_to(world.server, "grace@example.com", 2)
    accept = AcceptInvitationHandler(**world.parts("uow", "emails", "clock"))

    with pytest.raises(InvalidInvitationToken):
        await accept(AcceptInvitation(requester=grace, token=token_of(first)))
    joined = await accept(AcceptInvitation(requester=grace, token=token_of(second)))

    assert joined.my_role == "member"
    assert not await world.mail(event)  # answered: no third mail


async def test_an_expired_or_revoked_invitation_mails_nothing_and_cannot_be_accepted(
    world: World,
) -> None:
    owner, grace = await world.user(), await world.user("grace@example.com")
    org = await create(world, owner)
    token = await invite(world, owner, org, "grace@example.com", "member")
    world.clock.advance(INVITATION_LIFETIME + timedelta(seconds=1))
    accept = AcceptInvitationHandler(**world.parts("uow", "emails", "clock"))

    with pytest.raises(InvalidInvitationToken):
        await accept(AcceptInvitation(requester=grace, token=token))
    pending = await ListInvitationsHandler(world.uow)(
        ListInvitations(requester=owner, organisation_id=org.id)
    )
    await RevokeInvitationHandler(world.uow, world.clock)(
        RevokeInvitation(requester=owner, organisation_id=org.id, invitation_id=pending.items[0].id)
    )
    after = await ListInvitationsHandler(world.uow)(
        ListInvitations(requester=owner, organisation_id=org.id)
    )

    assert [i.email for i in pending.items] == ["grace@example.com"]
    assert after.items == []


async def test_an_unverified_address_cannot_accept(world: World) -> None:
    owner = await world.user()
    unverified = await world.user("grace@example.com", verified=False)
    org = await create(world, owner)
    token = await invite(world, owner, org, "grace@example.com", "member")

    with pytest.raises(InvalidInvitationToken):
        await AcceptInvitationHandler(**world.parts("uow", "emails", "clock"))(
            AcceptInvitation(requester=unverified, token=token)
        )


async def test_the_last_owner_stays_until_another_owner_exists(world: World) -> None:
    owner, grace = await world.user(), await world.user("grace@example.com")
    org = await create(world, owner)
    token = await invite(world, owner, org, "grace@example.com", "member")
    await AcceptInvitationHandler(**world.parts("uow", "emails", "clock"))(
        AcceptInvitation(requester=grace, token=token)
    )
    leave = LeaveOrganisationHandler(world.uow, world.clock)
    change = ChangeMemberRoleHandler(world.uow, world.clock)
    assert owner.user_id is not None
    assert grace.user_id is not None

    with pytest.raises(LastOwner):
        await leave(LeaveOrganisation(requester=owner, organisation_id=org.id))
    await change(
        ChangeMemberRole(
            requester=owner, organisation_id=org.id, user_id=grace.user_id, role="owner"
        )
    )
    await leave(LeaveOrganisation(requester=owner, organisation_id=org.id))
    with pytest.raises(OrganisationNotFound):
        await GetOrganisationHandler(world.uow)(GetOrganisation(owner, org.id))


async def test_each_change_is_one_event_in_the_outbox(world: World) -> None:
    owner = await world.user()
    org = await create(world, owner)
    await DeleteOrganisationHandler(world.uow, world.clock)(
        DeleteOrganisation(requester=owner, organisation_id=org.id, expected_version=1)
    )

    async with world.outbox.claim(10) as batch:
        types = [event.type for event in batch.events]
    assert types == ["organisations.OrganisationCreated", "organisations.OrganisationDeleted"]
