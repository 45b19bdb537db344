"""Ordering's domain errors map to the right statuses (the routes will come with identity)."""

from __future__ import annotations

from uuid import UUID

from domain.ordering.errors import (
    OrderNotFound,
    OutOfStock,
    PaymentUnavailable,
    ProjectionBehind,
    TransitionNotAllowed,
)
from entrypoints.http.errors import from_domain_error


def test_statuses_and_retry_after() -> None:
    order = UUID(int=1)
    unavailable = from_domain_error(PaymentUnavailable("provider down", retry_after=2.4))

    assert unavailable.status_code == 503
    assert unavailable.headers == {"Retry-After": "2"}
    assert from_domain_error(OutOfStock(order, 3, 1)).status_code == 409
    assert from_domain_error(TransitionNotAllowed(order, "shipped", "cancelled")).status_code == 409
    assert from_domain_error(ProjectionBehind(order, 3, 2)).status_code == 409
    assert from_domain_error(OrderNotFound(order)).status_code == 404
