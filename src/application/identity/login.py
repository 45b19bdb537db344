"""Login: email and password for an access token and the first refresh token of a new session
(recorded with the device it comes from).

An unknown email, a wrong password and a disabled account give the same error after the same
work (one password verification each), so the answer tells nothing about which accounts exist.
With `unverified_sign_in` off, an account whose email is not verified is refused after the right
password (EmailNotVerified). With a `second_step`, an account with an authenticator gets a
challenge rather than tokens (mfa_sign_in.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.identity.mfa_ports import SignInChallenges
from application.identity.mfa_views import MfaChallenge
from application.identity.ports import (
    AccessGrant,
    IdentityUnitOfWorkFactory,
    PasswordHasher,
    TokenIssuer,
)
from application.identity.sessions import UNKNOWN_DEVICE, Device, start_session
from application.identity.views import TokenPair
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.identity.email import normalize_email
from domain.identity.errors import EmailNotVerified, InvalidCredentials
from domain.identity.password_policy import PASSWORD_MAX
from domain.identity.repository import UserRepository
from domain.identity.user import User
from domain.shared.errors import InvalidValue


@dataclass(frozen=True, slots=True, kw_only=True)
class Login:
    email: str
    password: str
    device: Device = UNKNOWN_DEVICE


class LoginHandler:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        hasher: PasswordHasher,
        issuer: TokenIssuer,
        clock: Clock,
        ids: IdGenerator,
        refresh_lifetime: timedelta,
        unverified_sign_in: bool = True,
        second_step: SignInChallenges | None = None,
    ) -> None:
        self._uow = uow
        self._second_step = second_step
        self._unverified_sign_in = unverified_sign_in
        self._hasher = hasher
        self._issuer = issuer
        self._clock = clock
        self._ids = ids
        self._refresh_lifetime = refresh_lifetime
        self._decoy_hash: str | None = None

    async def __call__(self, command: Login) -> TokenPair | MfaChallenge:
        password = command.password[: PASSWORD_MAX + 1]
        async with self._uow() as uow:
            user = await self._find(uow.users, command.email)
            if user is None:
                await self._hasher.verify(await self._decoy(), password)
                raise InvalidCredentials()
            matches = await self._hasher.verify(user.password_hash, password)
            if not matches or not user.active or len(password) > PASSWORD_MAX:
                raise InvalidCredentials()
            if not user.email_verified and not self._unverified_sign_in:
                raise EmailNotVerified()  # only to the one who knows the password
            now = self._clock.now()
            if self._hasher.needs_rehash(user.password_hash):
                user.rehash_password(password_hash=await self._hasher.hash(password), now=now)
                await uow.users.update(user)
            if self._second_step is not None and (
                challenge := await self._second_step.challenge(uow, user, now)
            ):
                await uow.commit()
                return challenge  # no tokens before the second factor (mfa_sign_in.py)
            session_id, refresh = await start_session(
                uow,
                self._ids,
                user_id=user.id,
                device=command.device,
                now=now,
                lifetime=self._refresh_lifetime,
            )
            await uow.commit()
        return pair(self._issuer, user, refresh, session_id)

    @staticmethod
    async def _find(users: UserRepository, raw_email: str) -> User | None:
        try:
            email = normalize_email(raw_email)
        except InvalidValue:
            return None
        return await users.get_by_email(email)

    async def prepare(self) -> None:
        """Make the decoy hash now (at start-up), so the first unknown email costs no extra."""
        await self._decoy()

    async def _decoy(self) -> str:
        """A real hash of a random password, so an unknown email costs one verification too."""
        if self._decoy_hash is None:
            self._decoy_hash = await self._hasher.hash(secrets.token_urlsafe(16))
        return self._decoy_hash


def pair(issuer: TokenIssuer, user: User, refresh_token: str, session_id: UUID) -> TokenPair:
    access = issuer.issue(
        AccessGrant(
            subject=str(user.id),
            roles=user.roles,
            access_version=user.access_version,
            session_id=str(session_id),
        )
    )
    return TokenPair(
        access_token=access.value,
        refresh_token=refresh_token,
        expires_in=access.lifetime_seconds,
    )
