"""The audit context: an append-only record of the changes other contexts publish."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from entrypoints.module import HttpPart, Module

if TYPE_CHECKING:
    from entrypoints.module_container import ModuleContainer


def container() -> type[ModuleContainer]:
    from entrypoints.audit.container import AuditContainer

    return AuditContainer


def http(root: Any) -> HttpPart:
    from entrypoints.audit.http.controller import AuditController

    return HttpPart(route_handlers=[AuditController])


MODULE = Module(
    name="audit",
    container=container,
    http=http,
    stores=(
        "sql",
        "memory",
        "redis",  # [adapter:redis]
    ),
)
