"""Social sign-in: the authorization code flow with an outside identity provider.

Start: make a random `state`, `nonce` and PKCE verifier, keep them server-side (single use,
short-lived), send the browser to the provider. Finish: the callback's `state` must name a
pending sign-in of that provider (taken once, so a replay finds nothing); the provider adapter
trades the code (with the verifier) and checks the ID token (nonce included). Then the account:
the provider account's link if there is one; else the local account of the same email only when
the provider says that email is verified; else a new account without a password.

Where the browser lands is never taken from the request: `return_to` only picks, by exact
origin, one of the configured front-end URLs. With one, the browser lands there with a one-time
code that `ExchangeSignInCode` trades for tokens; without any, the callback answers the tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit
from uuid import UUID

from application.identity.login import pair
from application.identity.ports import IdentityUnitOfWorkFactory, TokenIssuer
from application.identity.sessions import UNKNOWN_DEVICE, Device, end_sessions, start_session
from application.identity.social_ports import (
    Authorization,
    ExternalAccount,
    IdentityProvider,
    PendingSignIns,
)
from application.identity.views import TokenPair
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.identity.email import normalize_email
from domain.identity.errors import (
    IdentityAlreadyLinked,
    InvalidExchangeCode,
    InvalidSignInState,
    ProviderSignInFailed,
    UnknownProvider,
)
from domain.identity.linked_identity import LinkedIdentity
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Role
from domain.identity.user import User
from domain.shared.errors import InvalidValue

NO_PASSWORD = ""  # an account made by a provider: no password verifies against it
EXCHANGE_CODE_TTL = timedelta(seconds=60)


@dataclass(frozen=True, slots=True, kw_only=True)
class SocialFlowSettings:
    """`callback_base`: this API's public URL; `landings`: the front-end URLs allowed."""

    callback_base: str
    landings: Sequence[str]
    flow_ttl: timedelta


def callback_url(base: str, provider: str) -> str:
    return f"{base.rstrip('/')}/api/v1/auth/social/{provider}/callback"


def choose_landing(return_to: str | None, landings: Sequence[str]) -> str | None:
    """The configured front-end URL whose origin is exactly `return_to`'s (the first one when
    `return_to` is not given); refused when none is. Nothing of `return_to` but its origin is
    used, so no path, query or userinfo trick can choose another target."""
    if not landings:
        if return_to:
            raise InvalidValue("return_to", "this server has no front end to return to")
        return None
    if not return_to:
        return landings[0]
    wanted = _origin(return_to)
    for landing in landings:
        if wanted is not None and _origin(landing) == wanted:
            return landing
    raise InvalidValue("return_to", "is not one of the front ends this server returns to")


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username is not None:
        return None
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _key(kind: str, secret: str) -> str:
    return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StartSocialSignIn:
    provider: str
    return_to: str | None = None


class StartSocialSignInHandler:
    def __init__(
        self,
        providers: Mapping[str, IdentityProvider],
        pending: PendingSignIns,
        settings: SocialFlowSettings,
    ) -> None:
        self._providers = providers
        self._pending = pending
        self._settings = settings

    async def __call__(self, command: StartSocialSignIn) -> str:
        """The provider's URL to send the browser to."""
        provider = self._providers.get(command.provider)
        if provider is None:
            raise UnknownProvider(command.provider)
        landing = choose_landing(command.return_to, self._settings.landings)
        authorization = Authorization(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(48),
            callback_url=callback_url(self._settings.callback_base, command.provider),
        )
        await self._pending.put(
            _key("state", authorization.state),
            {
                "provider": command.provider,
                "nonce": authorization.nonce,
                "verifier": authorization.code_verifier,
                "landing": landing or "",
            },
            self._settings.flow_ttl,
        )
        return await provider.authorization_url(authorization)


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishSocialSignIn:
    provider: str
    state: str
    code: str | None = None
    error: str | None = None  # what the provider says went wrong (the person declined, say)
    device: Device = UNKNOWN_DEVICE


@dataclass(frozen=True, slots=True, kw_only=True)
class SocialSignIn:
    """Either where the browser goes next (with a one-time code), or the tokens."""

    landing: str | None = None
    tokens: TokenPair | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenParts:
    issuer: TokenIssuer
    clock: Clock
    ids: IdGenerator
    refresh_lifetime: timedelta


class FinishSocialSignInHandler:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        providers: Mapping[str, IdentityProvider],
        pending: PendingSignIns,
        settings: SocialFlowSettings,
        tokens: TokenParts,
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._pending = pending
        self._settings = settings
        self._tokens = tokens

    async def __call__(self, command: FinishSocialSignIn) -> SocialSignIn:
        provider = self._providers.get(command.provider)
        if provider is None:
            raise UnknownProvider(command.provider)
        # Taken before anything else: whatever happens next, this state never works again.
        flow = await self._pending.take(_key("state", command.state)) if command.state else None
        if flow is None or flow["provider"] != command.provider:
            raise InvalidSignInState()
        if command.error or not command.code:
            raise ProviderSignInFailed(f"the provider answered {command.error or 'no code'!r}")
        authorization = Authorization(
            state=command.state,
            nonce=flow["nonce"],
            code_verifier=flow["verifier"],
            callback_url=callback_url(self._settings.callback_base, command.provider),
        )
        account = await provider.account(code=command.code, authorization=authorization)
        user_id = await self._sign_in(command.provider, account)
        if flow["landing"]:
            code = secrets.token_urlsafe(32)
            await self._pending.put(_key("code", code), {"user": str(user_id)}, EXCHANGE_CODE_TTL)
            separator = "&" if "?" in flow["landing"] else "?"
            return SocialSignIn(landing=flow["landing"] + separator + urlencode({"code": code}))
        tokens = await _signed_in(self._uow, self._tokens, user_id, command.device)
        return SocialSignIn(tokens=tokens)

    async def _sign_in(self, provider: str, account: ExternalAccount) -> UUID:
        now = self._tokens.clock.now()
        async with self._uow() as uow:
            link = await uow.linked_identities.find(provider, account.subject)
            if link is not None:
                return link.user_id
            user = await self._account_for(uow, account)
            if any(
                each.provider == provider for each in await uow.linked_identities.of_user(user.id)
            ):
                raise IdentityAlreadyLinked()  # another account of this provider links it
            await uow.linked_identities.add(
                LinkedIdentity(
                    user_id=user.id,
                    provider=provider,
                    subject=account.subject,
                    email=user.email,
                    linked_at=now,
                )
            )
            await uow.commit()
            return user.id

    async def _account_for(self, uow: IdentityUnitOfWork, account: ExternalAccount) -> User:
        if not account.email:
            raise ProviderSignInFailed("the provider gave no email address")
        try:
            email = normalize_email(account.email)
        except InvalidValue:
            raise ProviderSignInFailed("the provider gave an invalid email address") from None
        now = self._tokens.clock.now()
        existing = await uow.users.get_by_email(email)
        if existing is not None and account.email_verified:
            if not existing.email_verified:
                # Someone made this account without proving the address (it may be a squatter
                # waiting for the owner to link it): the owner proves it now, and the password
                # nobody proved goes, with every session made with it.
                existing.verify_email(now)
                existing.change_password(password_hash=NO_PASSWORD, now=now)
                await end_sessions(uow, existing.id, now)
                await uow.users.update(existing)
            return existing
        # Unverified addresses never link: a new account, which the email's uniqueness refuses
        # (EmailTaken) when a local account has the address.
        user = User.register(
            id=self._tokens.ids.new_id(),
            email=email,
            password_hash=NO_PASSWORD,
            roles=frozenset({Role.CUSTOMER}),
            now=now,
            email_verified=account.email_verified,
        )
        await uow.users.add(user)
        return user


async def _signed_in(
    uow_factory: IdentityUnitOfWorkFactory, parts: TokenParts, user_id: UUID, device: Device
) -> TokenPair:
    """Tokens for a new session of the user, as a password sign-in opens one (device, sid);
    refused when the account is disabled."""
    async with uow_factory() as uow:
        user = await uow.users.get(user_id)
        if user is None or not user.active:
            raise ProviderSignInFailed("the account is disabled or gone")
        session_id, refresh = await start_session(
            uow,
            parts.ids,
            user_id=user.id,
            device=device,
            now=parts.clock.now(),
            lifetime=parts.refresh_lifetime,
        )
        await uow.commit()
    return pair(parts.issuer, user, refresh, session_id)


@dataclass(frozen=True, slots=True)
class ExchangeSignInCode:
    code: str
    device: Device = UNKNOWN_DEVICE


class ExchangeSignInCodeHandler:
    """The front end trades the one-time code it landed with for the session's tokens."""

    def __init__(
        self, uow: IdentityUnitOfWorkFactory, pending: PendingSignIns, tokens: TokenParts
    ) -> None:
        self._uow = uow
        self._pending = pending
        self._tokens = tokens

    async def __call__(self, command: ExchangeSignInCode) -> TokenPair:
        found = await self._pending.take(_key("code", command.code)) if command.code else None
        if found is None:
            raise InvalidExchangeCode()
        return await _signed_in(self._uow, self._tokens, UUID(found["user"]), command.device)
