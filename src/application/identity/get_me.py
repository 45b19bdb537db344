"""GetMe: the caller's own account."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.views import UserView
from domain.identity.errors import UserNotFound
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True)
class GetMe:
    requester: Principal


class GetMeHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: GetMe) -> UserView:
        user_id = query.requester.user_id
        if user_id is None:  # a principal from an external provider, with no account here
            raise UserNotFound(query.requester.subject)
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        return UserView.of(user)
