"""Ports of social sign-in: an outside identity provider, and where pending sign-ins wait."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta

from domain.identity.errors import ProviderSignInFailed

__all__ = ["ExternalAccount", "IdentityProvider", "PendingSignIns", "ProviderSignInFailed"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalAccount:
    """Who the provider says signed in: its own id for them, and their email if it gave one."""

    subject: str
    email: str | None
    email_verified: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Authorization:
    """What one sign-in sends the provider, and must see again when the person comes back."""

    state: str
    nonce: str
    code_verifier: str  # PKCE: the provider gets only its S256 digest at the start
    callback_url: str


class IdentityProvider(ABC):
    """An outside account service people sign in with (authorization code flow)."""

    @abstractmethod
    async def authorization_url(self, authorization: Authorization) -> str:
        """Where to send the browser to sign in at the provider."""

    @abstractmethod
    async def account(self, *, code: str, authorization: Authorization) -> ExternalAccount:
        """Trade the code the provider sent back for the account it proves; every check (the
        code, PKCE, the ID token's signature, issuer, audience, expiry and nonce) is done here.
        ProviderSignInFailed when the provider refuses or its answer fails a check."""

    async def close(self) -> None:  # noqa: B027 (optional hook)
        """Release what the provider adapter holds."""


class PendingSignIns(ABC):
    """Short-lived secrets of sign-ins under way, each taken once. Shared by every process."""

    @abstractmethod
    async def put(self, key: str, value: dict[str, str], ttl: timedelta) -> None: ...

    @abstractmethod
    async def take(self, key: str) -> dict[str, str] | None:
        """The value, removed: of two concurrent takes of one key, one gets it. None when
        unknown, taken already or expired."""
