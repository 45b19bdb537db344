"""ListMembers: an organisation's members in the order they joined, for its members."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.loading import load_organisation
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.organisations.views import MemberView
from application.shared.pagination import Page, check_limit, decode_cursor, encode_cursor
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class ListMembers:
    requester: Principal
    organisation_id: UUID
    limit: int = 20
    cursor: str | None = None


class ListMembersHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListMembers) -> Page[MemberView]:
        limit = check_limit(query.limit)
        after = decode_cursor(query.cursor) if query.cursor else None
        async with self._uow(read_only=True) as uow:
            organisation = await load_organisation(
                uow.organisations, query.organisation_id, user_of(query.requester)
            )
        # The members come with their organisation: the page is cut from them, in join order.
        members = [
            m
            for m in organisation.ordered_members()
            if after is None or (m.joined_at, m.user_id) > after
        ]
        items = [MemberView.of(m) for m in members[:limit]]
        next_cursor = None
        if len(members) > limit:
            next_cursor = encode_cursor(items[-1].joined_at, items[-1].user_id)
        return Page(items, next_cursor)
