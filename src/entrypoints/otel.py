"""OpenTelemetry traces with PORTICO_OTEL_ENABLED on: imported only then (entrypoints/tracing.py).

One SDK tracer provider per process exports spans in batches over OTLP/HTTP. The maintained
instrumentations make the spans of HTTP requests (Litestar's plugin), SQL (SQLAlchemy, on our
engine), Redis and outgoing httpx calls; the Tracing port (adapters/system/tracing.py) makes the
relay's, the bus's and the consumers' spans, and carries the trace in the outbox envelope.

The provider is ours, not the global one (which can be set only once per process): everything
is handed it explicitly, and `stop_tracing` flushes it and takes every instrumentation out again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from litestar import Request
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor  # [adapter:postgresql]
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor  # [adapter:redis]
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes

from adapters.persistence.sql.database import SqlDatabase
from adapters.system.tracing import OtelTracing
from application.shared.ports.tracing import Tracing
from entrypoints import __version__
from entrypoints.settings import Settings

_provider: TracerProvider | None = None
_INSTRUMENTORS = (
    RedisInstrumentor,  # [adapter:redis]
    HTTPXClientInstrumentor,
    AsyncPGInstrumentor,  # [adapter:postgresql]
    SQLAlchemyInstrumentor,
)


def start(settings: Settings) -> Tracing:
    """Set up the SDK and the library instrumentations (once per process)."""
    global _provider
    if _provider is None:
        _provider = _tracer_provider(settings)
        RedisInstrumentor().instrument(tracer_provider=_provider)  # [adapter:redis]
        HTTPXClientInstrumentor().instrument(tracer_provider=_provider)
        # [adapter:postgresql begin]
        # PostgreSQL's statements: on asyncpg, SQLAlchemy's statement spans never reach the
        # request's trace (only its `connect` does); the driver's spans do.
        AsyncPGInstrumentor().instrument(tracer_provider=_provider)  # type: ignore[no-untyped-call]
        # [adapter:postgresql end]
    return OtelTracing(_provider)


def stop() -> None:
    """Export what is left and uninstall the instrumentations (at shutdown)."""
    global _provider
    if _provider is None:
        return
    for kind in _INSTRUMENTORS:
        instrumentor = kind()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    _provider.shutdown()
    _provider = None


def _tracer_provider(settings: Settings) -> TracerProvider:
    config = settings.tracing
    # Unset fields leave the OTEL_* variables in charge: the SDK reads them itself.
    resource = Resource.create({SERVICE_VERSION: __version__})
    name = config.service_name or (None if _named(resource) else "portico")
    if name:
        resource = resource.merge(Resource({SERVICE_NAME: name}))
    if config.sample_ratio is not None:
        sampler: Sampler = ParentBased(TraceIdRatioBased(config.sample_ratio))
    else:  # the one OTEL_TRACES_SAMPLER names, as the SDK reads it
        sampler = TracerProvider(shutdown_on_exit=False).sampler
    provider = TracerProvider(resource=resource, sampler=_NoLoneClientCalls(sampler))
    exporter = OTLPSpanExporter(endpoint=config.endpoint or None)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


class _NoLoneClientCalls(Sampler):
    """Drops client spans that would start a trace (a SQL statement, a Redis command, an HTTP
    call with no span around it): the relay's, the projector's and the housekeeping's polls run
    several statements a second, and each would be a trace of its own. Inside a request, a
    consumed event or a relayed batch, they are kept as the parent decides."""

    def __init__(self, sampler: Sampler) -> None:
        self._sampler = sampler

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if kind is SpanKind.CLIENT and not parent.is_valid:
            return SamplingResult(Decision.DROP)
        return self._sampler.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"NoLoneClientCalls{{{self._sampler.get_description()}}}"


def _named(resource: Resource) -> bool:
    """Whether OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES named the service."""
    return not str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service")


def trace_database(tracing: Tracing, database: SqlDatabase) -> SqlDatabase:
    """SQL spans on this database's engine and its read replica's (each autocommit twin shares
    its engine's events)."""
    if _provider is not None and isinstance(tracing, OtelTracing):  # started by this module
        engines = [database.engine.sync_engine]
        if database.replica is not None:
            engines.append(database.replica.engine.sync_engine)
        # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses unchanged.
        SQLAlchemyInstrumentor().instrument(
            engines=engines, tracer_provider=_provider, skip_dep_check=True
        )
    return database


def http_tracing() -> dict[str, Any]:
    """Litestar's OpenTelemetry plugin and the hook that names each span by its route, as
    keyword arguments of Litestar(); nothing before `start`."""
    if _provider is None:
        return {}
    config = OpenTelemetryConfig(
        tracer_provider=_provider,
        exclude_spans=["receive", "send"],  # one span per request, not per ASGI message
        server_request_hook_handler=_bind_trace_ids,
    )
    return {"plugins": [OpenTelemetryPlugin(config)], "before_request": _name_by_route}


def _bind_trace_ids(span: Any, _scope: Any) -> None:
    """The request's ids on every line of it, the access line too (logged after the span)."""
    context = span.get_span_context()
    structlog.contextvars.bind_contextvars(
        trace_id=format(context.trace_id, "032x"), span_id=format(context.span_id, "016x")
    )


def _name_by_route(request: Request[Any, Any, Any]) -> None:
    """The span starts before routing; once routed, name it by the route's template, so one
    endpoint makes one span name whatever ids its paths carry."""
    route = request.scope.get("path_template")
    if route:
        span = trace.get_current_span()
        span.update_name(f"{request.method} {route}")
        span.set_attribute("http.route", route)


def add_trace_ids(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the current span's trace and span ids on the line."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event
