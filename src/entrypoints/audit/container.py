"""AuditContainer: who changed what, recorded from the integration events of every context."""

from __future__ import annotations

from datetime import timedelta
from typing import Any  # [adapter:redis]

from dependency_injector import providers

from adapters.audit.memory import MemoryAuditStore, MemoryAuditUnitOfWork, MemoryInboxRecords
from adapters.audit.sql import SqlAuditUnitOfWork
from application.audit.list_entries import ListAuditEntriesHandler
from application.audit.record_change import RecordChange
from application.shared.maintenance import Chore
from entrypoints.deferred import deferred
from entrypoints.module_container import ModuleContainer, made_once
from entrypoints.settings import Settings


def memory_inbox_chores(settings: Settings, store: MemoryAuditStore) -> list[Chore]:
    """The memory inbox forgets as the SQL one does (the platform's "inbox" chore, on SQL)."""
    forget = MemoryInboxRecords(store).forget
    keep = timedelta(seconds=settings.maintenance.inbox_retention)
    return [Chore.forgetting("inbox", forget, keep)]


# [adapter:redis begin]
def redis_inbox_chores(settings: Settings, documents: Any) -> list[Chore]:
    from adapters.persistence.redis.inbox import RedisInboxRecords

    forget = RedisInboxRecords(documents).forget
    keep = timedelta(seconds=settings.maintenance.inbox_retention)
    return [Chore.forgetting("inbox", forget, keep)]


# [adapter:redis end]


class AuditContainer(ModuleContainer):
    platform = providers.DependenciesContainer()
    use_cases = ("list_audit_entries",)

    memory_store = providers.Singleton(MemoryAuditStore)
    uow = providers.Selector(
        platform.persistence,
        sql=providers.Factory(SqlAuditUnitOfWork, database=platform.sql_database),
        memory=providers.Factory(MemoryAuditUnitOfWork, store=memory_store),
        # [adapter:redis begin]
        redis=providers.Factory(
            deferred("adapters.audit.redis:RedisAuditUnitOfWork"),
            documents=platform.redis_documents,
        ),
        # [adapter:redis end]
    )
    units_of_work = made_once(uow)  # what the handlers make their units of work with
    consumers = providers.List(providers.Singleton(RecordChange, uow=units_of_work))
    list_audit_entries = providers.Singleton(ListAuditEntriesHandler, uow=units_of_work)
    chores = providers.Selector(
        platform.persistence,
        sql=providers.Object([]),
        memory=providers.Callable(memory_inbox_chores, platform.settings, memory_store),
        # [adapter:redis begin]
        redis=providers.Callable(redis_inbox_chores, platform.settings, platform.redis_documents),
        # [adapter:redis end]
    )
