"""The tenant leak contract of the outbox and the audit log (issue 17), on every store: an
event leaves the outbox with the tenant of the change that recorded it, and audit entries of
organisation A are invisible to B and to the single tenant, whatever page B asks for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.system.ids import Uuid7Generator
from domain.audit.entry import AuditEntry, AuditPosition
from domain.catalog.product import Product
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from tests.contract.catalog.conftest import MessagingStore

T0 = datetime(2026, 4, 1, 9, 0, 0, 250000, tzinfo=UTC)
ids = Uuid7Generator()
A = Tenant(UUID("0a0a0a0a-0000-4000-8000-00000000000a"))
B = Tenant(UUID("0b0b0b0b-0000-4000-8000-00000000000b"))
SINGLE = Tenant.single()


def product(tenant: Tenant, sku: str) -> Product:
    return Product.create(
        tenant=tenant,
        id=ids.new_id(),
        sku=sku,
        name=f"Product {sku}",
        description="",
        price=Money.of("3.20", "EUR"),
        stock=10,
        now=T0,
    )


def entry(tenant: Tenant, seconds: int) -> AuditEntry:
    return AuditEntry(
        tenant=tenant,
        event_id=ids.new_id(),
        type="catalog.ProductCreated",
        aggregate_id=ids.new_id(),
        occurred_at=T0 + timedelta(seconds=seconds),
        actor=None,
    )


async def test_an_event_leaves_the_outbox_with_its_changes_tenant(
    messaging_store: MessagingStore,
) -> None:
    of_a, of_b, of_single = product(A, "SKU-1"), product(B, "SKU-1"), product(SINGLE, "SKU-1")
    async with messaging_store.catalog() as uow:
        for made in (of_a, of_b, of_single):
            await uow.products.add(made)
        await uow.commit()
    async with messaging_store.catalog() as uow:
        changed = await uow.products.get(A, of_a.id)
        assert changed is not None
        changed.adjust_stock(delta=-1, reason="count", now=T0 + timedelta(minutes=1))
        await uow.products.update(changed)
        await uow.commit()

    async with messaging_store.outbox.claim(100) as batch:
        events = list(batch.events)

    assert [(e.type, e.aggregate_id, e.tenant) for e in events] == [
        ("catalog.ProductCreated", of_a.id, A),
        ("catalog.ProductCreated", of_b.id, B),
        ("catalog.ProductCreated", of_single.id, SINGLE),
        ("catalog.StockAdjusted", of_a.id, A),
    ]


async def test_audit_entries_of_one_tenant_are_invisible_to_another(
    messaging_store: MessagingStore,
) -> None:
    of_a = [entry(A, seconds) for seconds in range(4)]
    of_b = [entry(B, 10)]
    async with messaging_store.audit() as uow:
        for made in (*of_a, *of_b):
            await uow.entries.add(made)
        await uow.commit()

    async with messaging_store.audit(read_only=True) as uow:
        seen_by_a = await uow.entries.page(A, before=None, limit=10)
        seen_by_b = await uow.entries.page(B, before=None, limit=10)
        seen_by_single = await uow.entries.page(SINGLE, before=None, limit=10)
        # A cursor taken from A's entries shows B only B's older entries: none.
        newest_of_a = AuditPosition(T0 + timedelta(hours=1), of_a[0].event_id)
        after_a_cursor = await uow.entries.page(B, before=newest_of_a, limit=10)
        first_page_of_a = await uow.entries.page(A, before=None, limit=2)
        last = first_page_of_a[-1]
        rest_of_a = await uow.entries.page(
            A, before=AuditPosition(last.occurred_at, last.event_id), limit=10
        )

    assert seen_by_a == sorted(of_a, key=lambda e: e.occurred_at, reverse=True)
    assert seen_by_b == of_b
    assert seen_by_single == []
    assert after_a_cursor == of_b
    assert first_page_of_a + rest_of_a == seen_by_a
