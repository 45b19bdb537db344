"""AuditContainer: who changed what, recorded from the integration events of every context."""

from __future__ import annotations

from dependency_injector import providers

from adapters.audit.memory import MemoryAuditStore, MemoryAuditUnitOfWork
from adapters.audit.sql import SqlAuditUnitOfWork
from application.audit.list_entries import ListAuditEntriesHandler
from application.audit.record_change import RecordChange
from entrypoints.module import ModuleContainer


class AuditContainer(ModuleContainer):
    platform = providers.DependenciesContainer()
    use_cases = ("list_audit_entries",)

    memory_store = providers.Singleton(MemoryAuditStore)
    uow = providers.Selector(
        platform.persistence,
        sql=providers.Factory(SqlAuditUnitOfWork, database=platform.sql_database),
        memory=providers.Factory(MemoryAuditUnitOfWork, store=memory_store),
    )
    consumers = providers.List(providers.Singleton(RecordChange, uow=uow.provider))
    list_audit_entries = providers.Singleton(ListAuditEntriesHandler, uow=uow.provider)
