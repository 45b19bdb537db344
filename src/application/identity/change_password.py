"""ChangePassword: the caller changes their password; every other session of theirs ends (its
refresh and access tokens), the one that asked goes on."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.access_revocations import AccessRevocations
from application.identity.ports import IdentityUnitOfWorkFactory, PasswordHasher
from application.identity.sessions import end_sessions
from application.shared.ports.clock import Clock
from domain.identity.errors import InvalidCredentials, UserNotFound
from domain.identity.password_policy import check_password
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePassword:
    requester: Principal
    current_password: str
    new_password: str


class ChangePasswordHandler:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        revocations: AccessRevocations,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._revocations = revocations

    async def __call__(self, command: ChangePassword) -> None:
        user_id = command.requester.user_id
        if user_id is None:
            raise UserNotFound(command.requester.subject)
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise UserNotFound(user_id)
            if not await self._hasher.verify(user.password_hash, command.current_password):
                raise InvalidCredentials()
            check_password(command.new_password, email=user.email, field="new_password")
            now = self._clock.now()
            user.change_own_password(
                password_hash=await self._hasher.hash(command.new_password), now=now
            )
            await uow.users.update(user)
            ended = await end_sessions(uow, user.id, now, keep=command.requester.session)
            await uow.commit()
        self._revocations.record_sessions(ended, now)
