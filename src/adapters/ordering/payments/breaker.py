"""PaymentBreaker: the shared circuit breaker as the http gateway's `guard=`.

It counts one failure per payment operation (all of its retries) that ended in
PaymentUnavailable: the provider down, too slow, or answering 5xx. A refusal (PaymentRejected)
or a decline is an answer, not a failure. While the circuit is open, calls fail at once with
PaymentUnavailable carrying the seconds until the next probe, which the API turns into 503 with
Retry-After: nothing is sent to the provider, so nothing can be charged, and the order stays
placed.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from adapters.resilience.circuit_breaker import CircuitBreaker, CircuitOpen, State
from domain.ordering.errors import PaymentUnavailable

T = TypeVar("T")
_log = structlog.get_logger("portico.payments")


class PaymentsPaused(PaymentUnavailable):
    """PaymentUnavailable because the circuit is open: nothing was sent to the provider."""


def log_breaker_change(name: str, previous: State, state: State) -> None:
    _log.warning("payments.circuit_changed", circuit=name, previous=previous, state=state)


def payment_breaker(
    *,
    failure_threshold: int,
    reset_timeout: float,
    clock: Callable[[], float] = time.monotonic,
    on_change: Callable[[str, State, State], None] = log_breaker_change,
) -> CircuitBreaker:
    return CircuitBreaker(
        "payment-provider",
        failure_threshold=failure_threshold,
        reset_timeout=reset_timeout,
        failure_types=(PaymentUnavailable,),
        on_change=on_change,
        clock=clock,
    )


class PaymentBreaker:
    def __init__(self, breaker: CircuitBreaker) -> None:
        self.breaker = breaker

    async def __call__(self, operation: Callable[[], Awaitable[T]]) -> T:
        try:
            return await self.breaker.call(operation)
        except CircuitOpen:
            raise PaymentsPaused(
                "the payment provider is failing; payments are paused (circuit open)",
                retry_after=max(1.0, self.breaker.retry_after()),
            ) from None

    @property
    def state(self) -> State:
        return self.breaker.state
