"""Ports of identity the use cases need: their unit of work, password hashing and access
tokens."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.identity.principal import Principal
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Role


class IdentityUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> IdentityUnitOfWork:
        """A fresh unit of work; `read_only` ones may skip transaction overhead and never commit."""
        ...


class PasswordHasher(ABC):
    """Slow, salted password hashing. Async: adapters do the work off the event loop."""

    @abstractmethod
    async def hash(self, password: str) -> str: ...

    @abstractmethod
    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; False (never an error) for a malformed hash."""

    @abstractmethod
    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than the current ones."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    expires_at: datetime
    lifetime_seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessGrant:
    """What an access token says about its holder."""

    subject: str
    roles: frozenset[Role]
    access_version: int
    session_id: str | None = None  # the session (refresh-token family) the token belongs to


class TokenIssuer(ABC):
    @abstractmethod
    def issue(self, grant: AccessGrant) -> AccessToken: ...


class TokenVerifier(ABC):
    @abstractmethod
    async def verify(self, token: str) -> Principal:
        """The principal a valid token proves; InvalidToken for anything else."""

    async def close(self) -> None:  # noqa: B027 (optional hook: most verifiers hold nothing)
        """Release what the verifier holds (an HTTP client, say); the default holds nothing."""
