"""The catalog's stores of each kind (and the outbox and audit log they write to)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.audit.memory import MemoryAuditStore, MemoryAuditUnitOfWork
from adapters.audit.redis import RedisAuditUnitOfWork  # [adapter:redis]
from adapters.audit.sql import SqlAuditUnitOfWork
from adapters.catalog.memory import (
    MemoryCatalogStore,
    MemoryCatalogUnitOfWork,
    MemoryProductReader,
)
from adapters.catalog.postgres import PostgresProductReader  # [adapter:postgresql]
from adapters.catalog.redis import RedisCatalogUnitOfWork, RedisProductReader  # [adapter:redis]
from adapters.catalog.sql import SqlCatalogUnitOfWork, SqlProductReader
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.persistence.redis.outbox import RedisOutbox  # [adapter:redis]
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.system.ids import Uuid7Generator
from application.audit.ports import AuditUnitOfWorkFactory
from application.audit.unit_of_work import AuditUnitOfWork
from application.catalog.ports import CatalogUnitOfWorkFactory, ProductReader
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.shared.ports.outbox import Outbox
from domain.catalog.repository import CatalogUnitOfWork
from tests.contract.conftest import (
    DOCUMENT_STORES,
    STORES,
    redis_documents,  # [adapter:redis]
    sql_database,
)


@pytest.fixture(params=DOCUMENT_STORES)
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
    # [adapter:redis begin]
    if store == "redis":
        async with redis_documents() as documents:

            def redis_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
                return RedisCatalogUnitOfWork(documents, read_only=read_only)

            yield redis_uow
        return
    # [adapter:redis end]
    database = await sql_database(store, tmp_path)

    def sql_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only)

    try:
        yield sql_uow
    finally:
        await database.dispose()


# Each SQL engine's query side, as the catalog container's Selector picks it.
SQL_READERS: dict[str, Callable[[SqlDatabase], ProductReader]] = {
    "sqlite": SqlProductReader,
    "postgresql": PostgresProductReader,  # [adapter:postgresql]
    "mariadb": SqlProductReader,  # [adapter:mariadb]
}


@dataclass(frozen=True)
class CatalogSides:
    """One store's units of work (commands) and its ProductReader (queries)."""

    uow: CatalogUnitOfWorkFactory
    reader: ProductReader


@pytest.fixture(params=DOCUMENT_STORES)
async def sides(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CatalogSides]:
    store: str = request.param
    if store == "memory":
        memory = MemoryCatalogStore()

        def memory_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
            return MemoryCatalogUnitOfWork(memory, read_only=read_only)

        yield CatalogSides(memory_uow, MemoryProductReader(memory))
        return
    # [adapter:redis begin]
    if store == "redis":
        async with redis_documents() as documents:

            def redis_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
                return RedisCatalogUnitOfWork(documents, read_only=read_only)

            yield CatalogSides(redis_uow, RedisProductReader(documents))
        return
    # [adapter:redis end]
    database = await sql_database(store, tmp_path)

    def sql_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only)

    try:
        yield CatalogSides(sql_uow, SQL_READERS[store](database))
    finally:
        await database.dispose()


@dataclass(frozen=True)
class MessagingStore:
    """One store's catalog units of work writing to its outbox, and its audit units of work."""

    catalog: CatalogUnitOfWorkFactory
    outbox: Outbox
    audit: AuditUnitOfWorkFactory


@pytest.fixture(params=DOCUMENT_STORES)
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
    # [adapter:redis begin]
    if store == "redis":
        async with redis_documents() as documents:
            redis_outbox = RedisOutbox(documents, events)

            def redis_catalog(*, read_only: bool = False) -> CatalogUnitOfWork:
                return RedisCatalogUnitOfWork(documents, read_only=read_only, outbox=redis_outbox)

            def redis_audit(*, read_only: bool = False) -> AuditUnitOfWork:
                return RedisAuditUnitOfWork(documents, read_only=read_only)

            yield MessagingStore(redis_catalog, redis_outbox, redis_audit)
        return
    # [adapter:redis end]
    database = await sql_database(store, tmp_path)
    try:
        yield _sql_messaging(database, SqlOutbox(database, events))
    finally:
        await database.dispose()


@pytest.fixture(params=[store for store in STORES if store != "memory"])
async def forgetting_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[MessagingStore, SqlDatabase]]:
    """A SQL store whose relays delete the rows they sent (PORTICO_OUTBOX_RETENTION=0)."""
    events = IntegrationEvents(EventRegistry(CATALOG_EVENTS), Uuid7Generator())
    database = await sql_database(request.param, tmp_path)
    try:
        yield _sql_messaging(database, SqlOutbox(database, events, keep_sent=False)), database
    finally:
        await database.dispose()


def _sql_messaging(database: SqlDatabase, sql_outbox: SqlOutbox) -> MessagingStore:
    def sql_catalog(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only, outbox=sql_outbox)

    def sql_audit(*, read_only: bool = False) -> AuditUnitOfWork:
        return SqlAuditUnitOfWork(database, read_only=read_only)

    return MessagingStore(sql_catalog, sql_outbox, sql_audit)


# [adapter:postgresql begin]
@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqlDatabase]:
    """The PostgreSQL test database, every table empty, for the tests of PostgreSQL's own paths
    (the driver's calls, the wake-up)."""
    found = await sql_database("postgresql", tmp_path)
    try:
        yield found
    finally:
        await found.dispose()


# [adapter:postgresql end]
