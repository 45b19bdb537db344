"""The signed-in user's links to outside providers: list them, unlink one (never the last way
in: an account without a password keeps its last link)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.identity.ports import IdentityUnitOfWorkFactory
from domain.identity.errors import IdentityNotLinked, LastSignInMethod, UserNotFound
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True)
class LinkedIdentityView:
    provider: str
    email: str
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class ListLinkedIdentities:
    requester: Principal


class ListLinkedIdentitiesHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListLinkedIdentities) -> list[LinkedIdentityView]:
        user_id = query.requester.user_id
        if user_id is None:
            raise UserNotFound(query.requester.subject)
        async with self._uow(read_only=True) as uow:
            links = await uow.linked_identities.of_user(user_id)
        return [LinkedIdentityView(each.provider, each.email, each.linked_at) for each in links]


@dataclass(frozen=True, slots=True)
class UnlinkIdentity:
    requester: Principal
    provider: str


class UnlinkIdentityHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, command: UnlinkIdentity) -> None:
        user_id = command.requester.user_id
        if user_id is None:
            raise UserNotFound(command.requester.subject)
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise UserNotFound(user_id)
            links = await uow.linked_identities.of_user(user_id)
            if not any(each.provider == command.provider for each in links):
                raise IdentityNotLinked(command.provider)
            if not user.password_hash and len(links) == 1:
                raise LastSignInMethod()
            await uow.linked_identities.remove(user_id, command.provider)
            await uow.commit()
