"""Ordering's spans and counts beyond the platform's: each payment call, with tracing or
metrics on."""

from __future__ import annotations

from adapters.ordering.payments.counted import CountedPaymentGateway
from adapters.ordering.payments.traced import TracedPaymentGateway
from application.ordering.payments import PaymentGateway
from application.shared.ports.tracing import NoTracing, Tracing
from entrypoints.metrics.dependencies import DependencyMetrics


def traced_payments(
    tracing: Tracing, gateway: PaymentGateway, metrics: DependencyMetrics | None = None
) -> PaymentGateway:
    """The gateway itself with tracing and metrics off: no wrapper, no cost. The span is the
    outer layer, so it times the counting too (nothing)."""
    if metrics is not None:
        gateway = CountedPaymentGateway(gateway, metrics)
    return gateway if isinstance(tracing, NoTracing) else TracedPaymentGateway(gateway, tracing)
