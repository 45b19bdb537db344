"""ListInvitations: an organisation's pending invitations, for its owners and admins."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.loading import load_organisation
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.organisations.views import InvitationView
from application.shared.pagination import Page, check_limit, decode_cursor, encode_cursor
from domain.identity.principal import Principal
from domain.organisations.repository import Position


@dataclass(frozen=True, slots=True, kw_only=True)
class ListInvitations:
    requester: Principal
    organisation_id: UUID
    limit: int = 20
    cursor: str | None = None


class ListInvitationsHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListInvitations) -> Page[InvitationView]:
        limit = check_limit(query.limit)
        after = Position(*decode_cursor(query.cursor)) if query.cursor else None
        actor = user_of(query.requester)
        async with self._uow(read_only=True) as uow:
            organisation = await load_organisation(uow.organisations, query.organisation_id, actor)
            organisation.require_manager(actor)
            found = await uow.invitations.pending(organisation.id, after=after, limit=limit + 1)
        items = [InvitationView.of(invitation) for invitation in found[:limit]]
        next_cursor = None
        if len(found) > limit:
            next_cursor = encode_cursor(items[-1].created_at, items[-1].id)
        return Page(items, next_cursor)
