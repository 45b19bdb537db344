"""Domain errors: what can go wrong, in business words. entrypoints/http maps them to HTTP once."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain and the use cases raise on purpose."""

    code: str = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValue(DomainError):
    """An input breaks an invariant; `field` names the value at fault."""

    code = "invalid-value"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    code = "not-found"


class Conflict(DomainError):
    """The request is valid but clashes with the current state."""

    code = "conflict"


class StaleVersion(DomainError):
    """The caller's expected version is not the current one (a lost update was prevented)."""

    code = "stale-version"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, but the current version is {actual}")
        self.expected = expected
        self.actual = actual


class ConcurrentUpdate(Conflict):
    """Another writer changed the aggregate between our read and our write."""

    code = "concurrent-update"


class Unauthenticated(DomainError):
    """The caller did not prove who they are (or the proof is no longer good)."""

    code = "unauthenticated"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class TooMany(DomainError):
    """Refused for now because of how often it was asked; `retry_after` seconds from now."""

    code = "too-many"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """Something this needs cannot be reached now; nothing was done twice. Retry later."""

    code = "unavailable"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
