"""Errors of the application's own (technical) kinds, mapped like the domain's by their kind."""

from __future__ import annotations

from domain.shared.errors import Unavailable


class DependencyUnavailable(Unavailable):
    """A dependency (`database`, ...) cannot be reached now; retry after `retry_after` seconds.

    Adapters raise it in place of their driver's "cannot connect / connection lost" errors, so
    every way in answers the same way (HTTP: 503 `/problems/dependency-unavailable`).
    """

    code = "dependency-unavailable"

    def __init__(self, dependency: str, *, retry_after: float | None = 1.0) -> None:
        super().__init__(f"the {dependency} is unavailable; retry later", retry_after=retry_after)
        self.dependency = dependency
