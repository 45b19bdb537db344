"""How catalog use cases obtain a unit of work."""

from __future__ import annotations

from typing import Protocol

from domain.catalog.repository import CatalogUnitOfWork


class CatalogUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> CatalogUnitOfWork:
        """A fresh unit of work; `read_only` ones may skip transaction overhead and never commit."""
        ...
