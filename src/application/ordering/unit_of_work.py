"""OrderingUnitOfWork: an order's new events and the stock it takes, in one transaction."""

from __future__ import annotations

from application.ordering.stock import Stock
from application.shared.ports.event_store import EventStore
from domain.shared.unit_of_work import UnitOfWork


class OrderingUnitOfWork(UnitOfWork):
    """`events` appends become durable at `commit()`, together with the stock taken, or
    not at all. A stale expected version raises StreamVersionConflict at the append or at the
    commit (adapters may defer the check to keep their write locks short); `read` sees what is
    committed, not what this unit of work has appended."""

    stock: Stock
    events: EventStore
