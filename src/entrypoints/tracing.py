"""Traces, on with PORTICO_OTEL_ENABLED (off by default: nothing is installed).

The OpenTelemetry SDK, its exporter and the instrumentations (entrypoints/otel.py) load only
when tracing is on: a process with it off (the default) never imports them, which saves each
process a quarter of a second at start and their memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from application.shared.ports.tracing import NoTracing, Tracing
from entrypoints.hidden_imports import hidden

if TYPE_CHECKING:
    from adapters.persistence.sql.database import SqlDatabase
    from entrypoints.settings import Settings

_started = False
# Litestar() imports its OpenTelemetry plugin whenever the package is installed (to place the
# plugin's middleware): 2 MB and 0.1 s of every process. With tracing off, that import fails as
# if the package were absent, which Litestar expects (litestar_without_tracing).
LITESTAR_PLUGIN = "litestar.plugins.opentelemetry"


def start_tracing(settings: Settings) -> Tracing:
    """The SDK and the library instrumentations (once per process); NoTracing when off."""
    global _started
    if not settings.tracing.enabled:
        return NoTracing()
    from entrypoints import otel

    _started = True
    return otel.start(settings)


def stop_tracing() -> None:
    """Export what is left and uninstall the instrumentations (at shutdown)."""
    global _started
    if _started:
        from entrypoints import otel

        otel.stop()
        _started = False


def trace_database(tracing: Tracing, database: SqlDatabase) -> SqlDatabase:
    """SQL spans on this database's engines when tracing is on."""
    if isinstance(tracing, NoTracing):
        return database
    from entrypoints import otel

    return otel.trace_database(tracing, database)


@contextmanager
def litestar_without_tracing(settings: Settings) -> Iterator[None]:
    """Around Litestar(): with tracing off, the import of its plugin fails while the app is
    built (LITESTAR_PLUGIN), and only then: a later import of entrypoints.otel still works."""
    with hidden(*(() if _started and settings.tracing.enabled else (LITESTAR_PLUGIN,))):
        yield


def http_tracing(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of Litestar() that trace each request; nothing when tracing is off."""
    if not (_started and settings.tracing.enabled):
        return {}
    from entrypoints import otel

    return otel.http_tracing()
