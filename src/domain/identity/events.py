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


@dataclass(frozen=True, slots=True, kw_only=True)
class SecondFactorEnabled(DomainEvent):
    """The account confirmed an authenticator (TOTP): sign-in now asks for a code."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SecondFactorDisabled(DomainEvent):
    """The account removed its authenticator: sign-in asks for the password alone again."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryCodesRenewed(DomainEvent):
    """New recovery codes replaced the account's old ones (which stop working)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailVerificationRequested(DomainEvent):
    """A verification mail is due (sign-up, or asked again): the account mail consumer sends it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailChanged(DomainEvent):
    """The holder gave the account a new address (unverified until its link is used); the
    account mail tells `previous_email`, in case it was not them."""

    previous_email: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailVerified(DomainEvent):
    """The holder of a mailed token proved they read the account's address."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordResetRequested(DomainEvent):
    """Someone asked to reset the password of an address. `known`: an account has it (then the
    aggregate is the user); otherwise the aggregate is an id derived from the address, and the
    request is recorded all the same, so both answers cost the same work."""

    known: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUpRepeated(DomainEvent):
    """Someone signed up with the address of this (verified) account: its owner is told by mail,
    the one who signed up is told what everyone is told."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountDeleted(DomainEvent):
    """The account was deleted: its personal data is erased, its id stays (orders keep it).
    Other contexts erase what they hold about the person."""
