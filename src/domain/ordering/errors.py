"""What can go wrong with orders and payments, in business words."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import Conflict, NotFound, Unavailable


class OrderNotFound(NotFound):
    code = "order-not-found"

    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"order {order_id} does not exist")
        self.order_id = order_id


class TransitionNotAllowed(Conflict):
    """The order's state does not allow the move: e.g. shipping an unpaid order."""

    code = "order-transition-not-allowed"

    def __init__(self, order_id: UUID, status: str, action: str) -> None:
        super().__init__(f"order {order_id} is {status}; it cannot be {action}")
        self.order_id = order_id
        self.status = status
        self.action = action


class OutOfStock(Conflict):
    code = "out-of-stock"

    def __init__(self, product_id: UUID, requested: int, available: int) -> None:
        super().__init__(f"product {product_id} has {available} in stock; {requested} were ordered")
        self.product_id = product_id
        self.requested = requested
        self.available = available


class ProjectionBehind(Conflict):
    """A read asked for a version the read model has not reached within the wait allowed."""

    code = "projection-behind"

    def __init__(self, order_id: UUID, wanted: int, seen: int) -> None:
        super().__init__(
            f"order {order_id} is at version {seen} in the read model, not yet {wanted}; retry"
        )
        self.order_id = order_id
        self.wanted = wanted
        self.seen = seen


class PaymentUnavailable(Unavailable):
    """The payment provider cannot be reached now; nothing was charged twice. Retry later."""

    code = "payment-unavailable"


class PaymentRejected(Conflict):
    """The provider refused a request as malformed or inconsistent (not a card decline)."""

    code = "payment-rejected"
