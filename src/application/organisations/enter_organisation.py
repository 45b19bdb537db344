"""EnterOrganisation: the tenant a request acts within, once its caller is known to be a member.

Run by the HTTP entrypoint on every tenant-scoped request (docs/tenancy.md), so it is one key
lookup on the members (no aggregate is loaded). Platform admins are not members: reading every
organisation (`organisations:manage`) does not let them act inside one.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from domain.identity.principal import Principal
from domain.organisations.errors import OrganisationNotFound
from domain.organisations.organisation import MemberRole
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True)
class EnterOrganisation:
    requester: Principal
    organisation_id: UUID


@dataclass(frozen=True, slots=True)
class Entered:
    tenant: Tenant
    role: MemberRole | None  # None with tenancy off: no organisation is in play


class EnterOrganisationHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, command: EnterOrganisation) -> Entered:
        """The tenant and the caller's role in it; OrganisationNotFound (404) for an organisation
        that does not exist or that the caller is not a member of: nobody learns which."""
        user_id = user_of(command.requester)
        async with self._uow(read_only=True) as uow:
            role = await uow.organisations.role_of(command.organisation_id, user_id)
        if role is None:
            raise OrganisationNotFound(command.organisation_id)
        return Entered(Tenant(command.organisation_id), role)
