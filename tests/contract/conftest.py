"""The stores the contract suites run on: memory, SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from adapters.persistence.memory.audit import MemoryAuditStore, MemoryAuditUnitOfWork
from adapters.persistence.memory.catalog import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.persistence.memory.event_store import MemoryEventLog, MemoryEventStore
from adapters.persistence.memory.idempotency import MemoryIdempotencyData, MemoryIdempotencyStore
from adapters.persistence.memory.identity import MemoryIdentityStore, MemoryIdentityUnitOfWork
from adapters.persistence.memory.ordering import MemoryOrderingUnitOfWork
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.persistence.memory.projections import MemoryOrderDetailsStore, MemoryOrderSummaryStore
from adapters.persistence.sql.audit import SqlAuditUnitOfWork
from adapters.persistence.sql.catalog import SqlCatalogUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.idempotency import SqlIdempotencyStore
from adapters.persistence.sql.identity import SqlIdentityUnitOfWork
from adapters.persistence.sql.ordering import SqlOrderingUnitOfWork
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.projections import SqlOrderDetailsStore, SqlOrderSummaryStore
from adapters.persistence.sql.tables import (
    audit_log,
    event_store_events,
    event_store_head,
    idempotency_keys,
    metadata,
    order_details,
    order_summaries,
    outbox,
    processed_events,
    products,
    projection_state,
    refresh_tokens,
    users,
)
from adapters.system.ids import Uuid7Generator
from application.audit.ports import AuditUnitOfWorkFactory
from application.audit.unit_of_work import AuditUnitOfWork
from application.catalog.ports import CatalogUnitOfWorkFactory
from application.catalog.product_events import CATALOG_EVENTS
from application.identity.ports import IdentityUnitOfWorkFactory
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.ordering.order_events import ORDERING_EVENTS
from application.ordering.ports import OrderingUnitOfWorkFactory
from application.ordering.read_models import OrderDetailsStore, OrderSummaryStore
from application.ordering.unit_of_work import OrderingUnitOfWork
from application.shared.ports.event_store import EventStore
from application.shared.ports.idempotency import IdempotencyStore
from application.shared.ports.outbox import Outbox
from domain.catalog.repository import CatalogUnitOfWork
from domain.identity.repository import IdentityUnitOfWork
from tests.support.databases import ensure_database
from tests.support.ordering import MemoryParts
from tests.support.servers import MARIADB_URL, POSTGRES_URL, require_server

STORES = [
    "memory",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


async def _sql_database(store: str, tmp_path: Path) -> SqlDatabase:
    if store == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}"
    elif store == "postgresql":
        url = require_server(POSTGRES_URL, "PORTICO_TEST_POSTGRES_URL")
    else:
        url = require_server(MARIADB_URL, "PORTICO_TEST_MARIADB_URL")
    await ensure_database(url)
    database = SqlDatabase(url, pool_size=4)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        for table in (products, refresh_tokens, users, outbox, processed_events, audit_log):
            await connection.execute(delete(table))
    return database


@pytest.fixture(params=STORES)
async def uow_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[CatalogUnitOfWorkFactory]:
    store: str = request.param
    if store == "memory":
        memory = MemoryCatalogStore()

        def memory_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
            return MemoryCatalogUnitOfWork(memory, read_only=read_only)

        yield memory_uow
        return
    database = await _sql_database(store, tmp_path)

    def sql_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only)

    try:
        yield sql_uow
    finally:
        await database.dispose()


@pytest.fixture(params=STORES)
async def identity_uow_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[IdentityUnitOfWorkFactory]:
    store: str = request.param
    if store == "memory":
        memory = MemoryIdentityStore()

        def memory_uow(*, read_only: bool = False) -> IdentityUnitOfWork:
            return MemoryIdentityUnitOfWork(memory, read_only=read_only)

        yield memory_uow
        return
    database = await _sql_database(store, tmp_path)

    def sql_uow(*, read_only: bool = False) -> IdentityUnitOfWork:
        return SqlIdentityUnitOfWork(database, read_only=read_only)

    try:
        yield sql_uow
    finally:
        await database.dispose()


async def _empty_event_store(database: SqlDatabase) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(delete(event_store_events))
        await connection.execute(update(event_store_head).values(position=0))


@pytest.fixture(params=STORES)
async def event_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EventStore]:
    """An empty event store of each kind."""
    store: str = request.param
    if store == "memory":
        yield MemoryEventStore(MemoryEventLog())
        return
    database = await _sql_database(store, tmp_path)
    await _empty_event_store(database)
    try:
        yield SqlEventStore(database)
    finally:
        await database.dispose()


@dataclass
class OrderingStores:
    catalog_uow: CatalogUnitOfWorkFactory
    ordering_uow: OrderingUnitOfWorkFactory
    events: EventStore
    summaries: OrderSummaryStore
    details: OrderDetailsStore
    # Both units of work write their integration events here, as the container wires them.
    outbox: Outbox


def _order_events() -> IntegrationEvents:
    registry = EventRegistry(CATALOG_EVENTS, ORDERING_EVENTS)
    return IntegrationEvents(registry, Uuid7Generator())


@pytest.fixture(params=STORES)
async def ordering_stores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[OrderingStores]:
    """Every port the ordering context uses, empty, on one store of each kind."""
    store: str = request.param
    if store == "memory":
        parts = MemoryParts()
        memory_outbox = MemoryOutbox(_order_events())

        def memory_catalog(*, read_only: bool = False) -> CatalogUnitOfWork:
            return MemoryCatalogUnitOfWork(parts.catalog, read_only=read_only, outbox=memory_outbox)

        def memory_ordering(*, read_only: bool = False) -> OrderingUnitOfWork:
            return MemoryOrderingUnitOfWork(
                parts.log, parts.catalog, read_only=read_only, outbox=memory_outbox
            )

        yield OrderingStores(
            memory_catalog,
            memory_ordering,
            MemoryEventStore(parts.log),
            MemoryOrderSummaryStore(parts.projections),
            MemoryOrderDetailsStore(parts.projections),
            memory_outbox,
        )
        return
    database = await _sql_database(store, tmp_path)
    await _empty_event_store(database)
    async with database.engine.begin() as connection:
        for table in (order_summaries, order_details, projection_state):
            await connection.execute(delete(table))

    sql_outbox = SqlOutbox(database, _order_events())

    def catalog_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only, outbox=sql_outbox)

    def ordering_uow(*, read_only: bool = False) -> OrderingUnitOfWork:
        return SqlOrderingUnitOfWork(database, read_only=read_only, outbox=sql_outbox)

    try:
        yield OrderingStores(
            catalog_uow,
            ordering_uow,
            SqlEventStore(database),
            SqlOrderSummaryStore(database),
            SqlOrderDetailsStore(database),
            sql_outbox,
        )
    finally:
        await database.dispose()


@pytest.fixture(params=STORES)
async def idempotency_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[IdempotencyStore]:
    store: str = request.param
    if store == "memory":
        yield MemoryIdempotencyStore(MemoryIdempotencyData())
        return
    database = await _sql_database(store, tmp_path)
    async with database.engine.begin() as connection:
        await connection.execute(delete(idempotency_keys))
    try:
        yield SqlIdempotencyStore(database)
    finally:
        await database.dispose()


@dataclass(frozen=True)
class MessagingStore:
    """One store's catalog units of work writing to its outbox, and its audit units of work."""

    catalog: CatalogUnitOfWorkFactory
    outbox: Outbox
    audit: AuditUnitOfWorkFactory


@pytest.fixture(params=STORES)
async def messaging_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[MessagingStore]:
    store: str = request.param
    events = IntegrationEvents(EventRegistry(CATALOG_EVENTS), Uuid7Generator())
    if store == "memory":
        catalog, memory_outbox, audit = (
            MemoryCatalogStore(),
            MemoryOutbox(events),
            MemoryAuditStore(),
        )

        def memory_catalog(*, read_only: bool = False) -> CatalogUnitOfWork:
            return MemoryCatalogUnitOfWork(catalog, read_only=read_only, outbox=memory_outbox)

        def memory_audit(*, read_only: bool = False) -> AuditUnitOfWork:
            return MemoryAuditUnitOfWork(audit, read_only=read_only)

        yield MessagingStore(memory_catalog, memory_outbox, memory_audit)
        return
    database = await _sql_database(store, tmp_path)
    sql_outbox = SqlOutbox(database, events)

    def sql_catalog(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only, outbox=sql_outbox)

    def sql_audit(*, read_only: bool = False) -> AuditUnitOfWork:
        return SqlAuditUnitOfWork(database, read_only=read_only)

    try:
        yield MessagingStore(sql_catalog, sql_outbox, sql_audit)
    finally:
        await database.dispose()
