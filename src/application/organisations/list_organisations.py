"""ListOrganisations: the organisations I belong to, or (platform admins) all of them."""

from __future__ import annotations

from dataclasses import dataclass

from application.organisations.acting import user_of
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.organisations.views import OrganisationView
from application.shared.pagination import Page, check_limit, decode_cursor, encode_cursor
from domain.identity.errors import MissingPermission
from domain.identity.principal import Principal
from domain.identity.roles import Permission
from domain.organisations.repository import Position


@dataclass(frozen=True, slots=True, kw_only=True)
class ListOrganisations:
    requester: Principal
    every: bool = False  # all organisations: needs organisations:manage
    limit: int = 20
    cursor: str | None = None


class ListOrganisationsHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListOrganisations) -> Page[OrganisationView]:
        limit = check_limit(query.limit)
        after = Position(*decode_cursor(query.cursor)) if query.cursor else None
        if query.every:
            if not query.requester.can(Permission.ORGANISATIONS_MANAGE):
                raise MissingPermission(Permission.ORGANISATIONS_MANAGE.value)
            member, viewer = None, query.requester.user_id
        else:
            member = viewer = user_of(query.requester)
        async with self._uow(read_only=True) as uow:
            # One more than asked tells whether a next page exists without a count query.
            found = await uow.organisations.page(member=member, after=after, limit=limit + 1)
        items = [OrganisationView.of(organisation, viewer) for organisation in found[:limit]]
        next_cursor = None
        if len(found) > limit:
            next_cursor = encode_cursor(items[-1].created_at, items[-1].id)
        return Page(items, next_cursor)
