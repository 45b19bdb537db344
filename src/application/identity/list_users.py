"""ListUsers: every account, a page at a time (user managers only)."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.views import UserView
from application.shared.pagination import Page, check_limit, decode_cursor, encode_cursor
from domain.identity.errors import MissingPermission
from domain.identity.principal import Principal
from domain.identity.repository import UserPosition
from domain.identity.roles import Permission


@dataclass(frozen=True, slots=True, kw_only=True)
class ListUsers:
    requester: Principal
    limit: int = 20
    cursor: str | None = None


class ListUsersHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListUsers) -> Page[UserView]:
        if not query.requester.can(Permission.USERS_MANAGE):
            raise MissingPermission(Permission.USERS_MANAGE)
        limit = check_limit(query.limit)
        after = UserPosition(*decode_cursor(query.cursor)) if query.cursor else None
        async with self._uow(read_only=True) as uow:
            users = await uow.users.page(after=after, limit=limit + 1)
        items = [UserView.of(user) for user in users[:limit]]
        next_cursor = None
        if len(users) > limit:
            next_cursor = encode_cursor(items[-1].created_at, items[-1].id)
        return Page(items, next_cursor)
