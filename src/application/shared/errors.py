"""Errors of the application's own (technical) kinds, mapped like the domain's by their kind."""

from __future__ import annotations

from domain.shared.errors import Unavailable


class DependencyUnavailable(Unavailable):
    """A dependency (`database`, ...) cannot be reached now; retry after `retry_after` seconds.

    Adapters raise it in place of their driver's "cannot connect / connection lost" errors, so
    every way in answers the same way (HTTP: 503 `/problems/dependency-unavailable`).
    """

    code = "dependency-unavailable"
    state = "unavailable"

    def __init__(self, dependency: str, *, retry_after: float | None = 1.0) -> None:
        super().__init__(f"the {dependency} is {self.state}; retry later", retry_after=retry_after)
        self.dependency = dependency


class DependencyBusy(DependencyUnavailable):
    """A dependency answers but had nothing free in time for this request (every pooled
    connection lent for the pool's timeout): the same 503 and Retry-After, its own type, so a
    client and an operator tell an overload from an outage."""

    code = "dependency-busy"
    state = "busy"
