"""How ordering use cases obtain a unit of work."""

from __future__ import annotations

from typing import Protocol

from application.ordering.unit_of_work import OrderingUnitOfWork


class OrderingUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> OrderingUnitOfWork:
        """A fresh unit of work; `read_only` ones never commit."""
        ...
