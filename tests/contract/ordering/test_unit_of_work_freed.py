"""A finished ordering unit of work is freed by reference counting, not left to the garbage
collector (its stock's product repository holds it; see
tests/contract/catalog/test_unit_of_work_freed.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from application.ordering.unit_of_work import OrderingUnitOfWork
from application.shared.ports.event_store import NewEvent
from tests.contract.ordering.conftest import OrderingStores
from tests.support.freed import freed_at_once


async def test_a_committed_unit_of_work_is_freed_at_once(ordering_stores: OrderingStores) -> None:
    noted = NewEvent(
        event_id=uuid4(),
        type="Noted",
        schema_version=1,
        payload={},
        occurred_at=datetime(2026, 12, 6, tzinfo=UTC),
    )

    async def append(uow: OrderingUnitOfWork) -> None:
        async with uow:
            await uow.events.append("order-a", 0, [noted])
            await uow.commit()

    assert await freed_at_once(ordering_stores.ordering_uow, append)
