"""ForgetChangedProducts: drops this process's cached reads of a product another process changed.

With `PORTICO_CACHE=memory` every process keeps its own cache, and the after-commit reaction
only clears the cache of the process that wrote. This consumer hears the catalog's integration
events in EVERY process (it runs as a listener: `MessageBus.listen`, one copy per process, not
one shared durable position) and forgets the product each one is about.

No inbox: forgetting is idempotent (a second delivery only forgets an entry already gone, and
costs one more database read), and what it acts on lives in this process's memory, which a
database inbox could not describe anyway.

What one fetch brought is forgotten at once (`apply_all`: one cache call per organisation, not
one event at a time, each with its span and message context): every order sends a StockAdjusted
that each API process hears, so with `PORTICO_BUS=nats` this runs once per order per process.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from application.catalog.product_events import CATALOG_EVENTS
from application.catalog.read_cache import CatalogReadCache
from application.messaging.consumers import BatchConsumer
from application.shared.ports.messaging import IntegrationEvent
from domain.shared.tenant import Tenant

# The published names of the events the after-commit reaction forgets (read_cache.py).
PRODUCT_EVENT_TYPES = CATALOG_EVENTS.names


class ForgetChangedProducts(BatchConsumer):
    name = "catalog-cache"
    contexts = (CATALOG_EVENTS.context,)
    at_most = 50  # forgetting waits on nothing slow: one pass per fetch

    def __init__(self, read_cache: CatalogReadCache) -> None:
        self._read_cache = read_cache

    async def __call__(self, event: IntegrationEvent) -> bool:
        if event.type not in PRODUCT_EVENT_TYPES:
            return False
        await self._read_cache.forget_products(event.tenant, [event.aggregate_id])
        return True

    async def apply_all(self, events: Sequence[IntegrationEvent]) -> None:
        by_tenant: dict[Tenant, list[UUID]] = {}
        for event in events:
            if event.type in PRODUCT_EVENT_TYPES:
                by_tenant.setdefault(event.tenant, []).append(event.aggregate_id)
        for tenant, product_ids in by_tenant.items():
            await self._read_cache.forget_products(tenant, product_ids)
