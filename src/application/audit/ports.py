"""How audit use cases obtain a unit of work."""

from __future__ import annotations

from typing import Protocol

from application.audit.unit_of_work import AuditUnitOfWork


class AuditUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> AuditUnitOfWork: ...
