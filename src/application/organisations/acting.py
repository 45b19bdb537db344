"""Who acts: organisations belong to our own users, named by their id."""

from __future__ import annotations

from uuid import UUID

from domain.identity.principal import Principal
from domain.shared.errors import Forbidden


class NotALocalUser(Forbidden):
    code = "organisations-need-a-local-user"

    def __init__(self) -> None:
        super().__init__("organisations are for users of this service (not external tokens)")


def user_of(principal: Principal) -> UUID:
    user_id = principal.user_id
    if user_id is None:
        raise NotALocalUser()
    return user_id
