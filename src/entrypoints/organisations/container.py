"""OrganisationsContainer: organisations, their members and invitations; state in SQL (or
memory); invitation mail through the outbox and a consumer."""

from __future__ import annotations

from dependency_injector import providers

from adapters.organisations.identity_emails import IdentityEmails
from adapters.organisations.memory import MemoryOrganisationsStore, MemoryOrganisationsUnitOfWork
from adapters.organisations.sql import SqlOrganisationsUnitOfWork
from application.organisations.accept_invitation import AcceptInvitationHandler
from application.organisations.change_member_role import ChangeMemberRoleHandler
from application.organisations.create_organisation import CreateOrganisationHandler
from application.organisations.decline_invitation import DeclineInvitationHandler
from application.organisations.delete_organisation import DeleteOrganisationHandler
from application.organisations.enter_organisation import EnterOrganisationHandler
from application.organisations.get_organisation import GetOrganisationHandler
from application.organisations.invite_member import InviteMemberHandler
from application.organisations.leave_organisation import LeaveOrganisationHandler
from application.organisations.list_invitations import ListInvitationsHandler
from application.organisations.list_members import ListMembersHandler
from application.organisations.list_organisations import ListOrganisationsHandler
from application.organisations.remove_member import RemoveMemberHandler
from application.organisations.rename_organisation import RenameOrganisationHandler
from application.organisations.revoke_invitation import RevokeInvitationHandler
from application.organisations.send_invitation_mail import SendInvitationMail
from application.organisations.transfer_ownership import TransferOwnershipHandler
from entrypoints.module_container import ModuleContainer, made_once, reacting


class OrganisationsContainer(ModuleContainer):
    platform = providers.DependenciesContainer()
    identity = providers.DependenciesContainer()  # users' verified addresses, for invitations
    use_cases = (
        "create_organisation",
        "rename_organisation",
        "delete_organisation",
        "get_organisation",
        "list_organisations",
        "list_members",
        "change_member_role",
        "remove_member",
        "leave_organisation",
        "transfer_ownership",
        "invite_member",
        "list_invitations",
        "revoke_invitation",
        "accept_invitation",
        "decline_invitation",
    )
    clock, ids = platform.clock, platform.ids

    # Units of work that change state carry `on_committed`: reactions after every commit.
    memory_store = providers.Singleton(MemoryOrganisationsStore)
    uow = providers.Selector(
        platform.persistence,
        sql=reacting(
            SqlOrganisationsUnitOfWork,
            database=platform.sql_database,
            outbox=platform.sql_outbox,
            on_committed=platform.after_commit,
        ),
        memory=reacting(
            MemoryOrganisationsUnitOfWork,
            store=memory_store,
            outbox=platform.memory_outbox,
            on_committed=platform.after_commit,
        ),
    )
    units_of_work = made_once(uow)  # what the handlers make their units of work with
    emails = providers.Singleton(IdentityEmails, uow=identity.units_of_work)
    mine = {"uow": units_of_work, "clock": clock}

    create_organisation = providers.Singleton(CreateOrganisationHandler, **mine, ids=ids)
    rename_organisation = providers.Singleton(RenameOrganisationHandler, **mine)
    delete_organisation = providers.Singleton(DeleteOrganisationHandler, **mine)
    get_organisation = providers.Singleton(GetOrganisationHandler, uow=units_of_work)
    # The tenant check of every tenant-scoped request (entrypoints/organisations/http/tenancy.py).
    enter_organisation = providers.Singleton(EnterOrganisationHandler, uow=units_of_work)
    list_organisations = providers.Singleton(ListOrganisationsHandler, uow=units_of_work)
    list_members = providers.Singleton(ListMembersHandler, uow=units_of_work)
    change_member_role = providers.Singleton(ChangeMemberRoleHandler, **mine)
    remove_member = providers.Singleton(RemoveMemberHandler, **mine)
    leave_organisation = providers.Singleton(LeaveOrganisationHandler, **mine)
    transfer_ownership = providers.Singleton(TransferOwnershipHandler, **mine)
    invite_member = providers.Singleton(InviteMemberHandler, **mine, ids=ids)
    list_invitations = providers.Singleton(ListInvitationsHandler, uow=units_of_work)
    revoke_invitation = providers.Singleton(RevokeInvitationHandler, **mine)
    accept_invitation = providers.Singleton(AcceptInvitationHandler, **mine, emails=emails)
    decline_invitation = providers.Singleton(DeclineInvitationHandler, **mine, emails=emails)

    # After the answer, through the outbox: the invitation's mail and its token.
    send_invitation_mail = providers.Singleton(
        SendInvitationMail,
        uow=units_of_work,
        mailer=platform.mailer,
        clock=clock,
        link_base=platform.settings.provided.email.link_base,
    )
    consumers = providers.List(send_invitation_mail)
