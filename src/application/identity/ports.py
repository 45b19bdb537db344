"""How identity use cases obtain a unit of work."""

from __future__ import annotations

from typing import Protocol

from domain.identity.repository import IdentityUnitOfWork


class IdentityUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> IdentityUnitOfWork:
        """A fresh unit of work; `read_only` ones may skip transaction overhead and never commit."""
        ...
