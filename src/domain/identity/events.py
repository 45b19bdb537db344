"""Facts about users, recorded by the User aggregate."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRegistered(DomainEvent):
    email: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class UserAccessChanged(DomainEvent):
    """Roles, activity or password changed: tokens issued before `access_version` are void."""

    access_version: int
    roles: tuple[str, ...]
    active: bool
    reason: str
