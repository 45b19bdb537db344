"""How the ordering container builds its payment breaker and its projections' readiness probe."""

from __future__ import annotations

from adapters.ordering.payments.breaker import PaymentBreaker, log_breaker_change, payment_breaker
from adapters.resilience.circuit_breaker import State
from application.shared.projection_lag import ProjectionLagHandler
from entrypoints.metrics.dependencies import DependencyMetrics
from entrypoints.platform.probes import Degraded, Probe, Status, never_down
from entrypoints.settings import Settings


def build_payment_breaker(
    settings: Settings, metrics: DependencyMetrics | None = None
) -> PaymentBreaker:
    def changed(name: str, previous: State, state: State) -> None:
        log_breaker_change(name, previous, state)
        if metrics is not None:
            metrics.circuit_changed(name, previous, state)

    return PaymentBreaker(
        payment_breaker(
            failure_threshold=settings.payments.breaker_failures,
            reset_timeout=settings.payments.breaker_reset_ms / 1000,
            on_change=changed,
        )
    )


def projections_probe(lag: ProjectionLagHandler, limit: int, readiness_timeout: float) -> Probe:
    async def probe() -> Status:
        behind = {name: events for name, events in (await lag()).items() if events > limit}
        if behind:
            detail = ", ".join(f"{name} {events} events behind" for name, events in behind.items())
            raise Degraded(f"{detail} (more than {limit}); is a projector running?")
        return "up"

    # Reads still answer, from projections that are behind: degraded, never down (the lag
    # unknown, the database check names a database outage; the lag slow, a busy pool).
    return never_down(probe, readiness_timeout, "projection lag unknown")


# [adapter:http-payments begin]
def payments_probe(breaker: PaymentBreaker) -> Probe:
    state = breaker.breaker

    async def probe() -> Status:
        # The breaker's view, no call to the provider: orders are still placed and read.
        if state.state != "closed":
            raise Degraded(
                f"payment provider circuit {state.state}: payments answer 503 for "
                f"{state.retry_after():.0f}s more"
            )
        return "up"

    return probe


# [adapter:http-payments end]
