"""The audit context: an append-only record of the changes other contexts publish."""

from __future__ import annotations

from typing import Any

from entrypoints.audit.container import AuditContainer
from entrypoints.audit.http.controller import AuditController
from entrypoints.module import HttpPart, Module


def http(root: Any) -> HttpPart:
    return HttpPart(route_handlers=[AuditController])


MODULE = Module(
    name="audit", container=AuditContainer, http=http, stores=("sql", "memory", "redis")
)
