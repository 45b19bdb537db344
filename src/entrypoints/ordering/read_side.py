"""OrderReadSide: ordering's queries apart from its commands: the order projections (a summary per
order for lists, the details for one order), each store picked by the persistence and, for an
order's details on SQL, by the engine, and the projector that folds events into them.

A part of OrderingContainer, which names these as its own; it receives the platform.
"""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.ordering.memory_projections import (
    MemoryOrderDetailsStore,
    MemoryOrderSummaryStore,
    MemoryProjectionData,
)
from adapters.ordering.sql_projections import SqlOrderDetailsStore, SqlOrderSummaryStore
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.projections import fold_details, fold_summary
from application.shared.projector import Projection, Projector
from entrypoints.platform.sql_engines import by_sql_engine


class OrderReadSide(containers.DeclarativeContainer):
    platform = providers.DependenciesContainer()

    memory_projections = providers.Singleton(MemoryProjectionData)
    summaries = providers.Selector(
        platform.persistence,
        sql=providers.Singleton(SqlOrderSummaryStore, database=platform.sql_database),
        memory=providers.Singleton(MemoryOrderSummaryStore, data=memory_projections),
    )
    # An order's read: on PostgreSQL with the driver's own calls, elsewhere through Core.
    details = providers.Selector(
        platform.persistence,
        sql=by_sql_engine(
            platform.sql_database,
            SqlOrderDetailsStore,
            "adapters.ordering.postgres:PostgresOrderDetailsStore",  # [adapter:postgresql]
        ),
        memory=providers.Singleton(MemoryOrderDetailsStore, data=memory_projections),
    )
    projector = providers.Singleton(
        Projector,
        events=platform.event_store,
        projections=providers.List(
            providers.Factory(Projection, store=summaries, fold=providers.Object(fold_summary)),
            providers.Factory(Projection, store=details, fold=providers.Object(fold_details)),
        ),
        codec=providers.Object(ORDER_EVENT_CODEC),
        tracing=platform.tracing,
    )
