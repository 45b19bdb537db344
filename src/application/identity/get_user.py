"""GetUser: one user, seen by themselves or by a user manager; anybody else is told 404."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.views import UserView
from domain.identity.errors import UserNotFound
from domain.identity.principal import Principal
from domain.identity.roles import Permission


@dataclass(frozen=True, slots=True)
class GetUser:
    requester: Principal
    user_id: UUID


class GetUserHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: GetUser) -> UserView:
        if not query.requester.may_see(query.user_id, any_permission=Permission.USERS_MANAGE):
            raise UserNotFound(query.user_id)
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(query.user_id)
        if user is None:
            raise UserNotFound(query.user_id)
        return UserView.of(user)
