"""OtelTracing: the Tracing port on the OpenTelemetry API (the SDK is set up by entrypoints)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from application.shared.ports.tracing import Attributes, SpanKind, Tracing

_KINDS = {
    "internal": trace.SpanKind.INTERNAL,
    "producer": trace.SpanKind.PRODUCER,
    "consumer": trace.SpanKind.CONSUMER,
    "client": trace.SpanKind.CLIENT,
}
_propagator = TraceContextTextMapPropagator()


class OtelTracing(Tracing):
    def __init__(self, provider: trace.TracerProvider | None = None) -> None:
        self._tracer = (provider or trace.get_tracer_provider()).get_tracer("portico")

    def traceparent(self) -> str | None:
        carrier: dict[str, str] = {}
        _propagator.inject(carrier)
        return carrier.get("traceparent")

    def span(
        self,
        name: str,
        *,
        kind: SpanKind = "internal",
        parent: str | None = None,
        attributes: Attributes | None = None,
        links: Sequence[str] = (),
    ) -> AbstractContextManager[None]:
        return self._span(name, kind, parent, attributes, links)

    @contextmanager
    def _span(
        self,
        name: str,
        kind: SpanKind,
        parent: str | None,
        attributes: Attributes | None,
        links: Sequence[str],
    ) -> Iterator[None]:
        # A remote parent replaces whatever span is current (a relay's or a poll loop's).
        context = (
            _propagator.extract({"traceparent": parent}) if parent else otel_context.get_current()
        )
        with self._tracer.start_as_current_span(
            name, context=context, kind=_KINDS[kind], attributes=attributes, links=_links(links)
        ):
            yield


def _links(traceparents: Sequence[str]) -> list[trace.Link]:
    """A link to each valid traceparent's span (an unreadable one is left out, as it would be
    as a parent)."""
    found = []
    for traceparent in traceparents:
        context = _propagator.extract({"traceparent": traceparent})
        span = trace.get_current_span(context).get_span_context()
        if span.is_valid:
            found.append(trace.Link(span))
    return found
