"""IdentityEmails: the organisations' VerifiedEmails port, on identity's users (the declared way
in, read-only)."""

from __future__ import annotations

from uuid import UUID

from application.identity.ports import IdentityUnitOfWorkFactory
from application.organisations.ports import VerifiedEmails


class IdentityEmails(VerifiedEmails):
    def __init__(self, uow: IdentityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def of(self, user_id: UUID) -> str | None:
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
        if user is None or not user.active or not user.email_verified:
            return None
        return user.email.lower()
