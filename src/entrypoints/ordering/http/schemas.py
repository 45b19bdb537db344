"""Request and response bodies of the ordering API (msgspec: fast, and typed in OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar
from uuid import UUID

import msgspec

from application.ordering.order_history import HistoryEntry
from application.ordering.pay_order import TOKEN_MAX
from application.ordering.read_models import OrderDetails, OrderSummary
from application.ordering.results import OrderChanged, PaymentOutcome
from application.shared.pagination import Page
from domain.ordering.lines import MAX_LINES, MAX_QUANTITY, OrderLine
from domain.shared.money import Money
from domain.shared.white_space import WHITE_SPACE
from entrypoints.http.patterns import pattern
from entrypoints.http.schemas import MoneyOut

Quantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]


class LineIn(msgspec.Struct, forbid_unknown_fields=True):
    product_id: UUID
    quantity: Quantity


class NewOrder(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "lines": [{"product_id": "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", "quantity": 2}]
    }
    lines: Annotated[list[LineIn], msgspec.Meta(min_length=1, max_length=MAX_LINES)]


class Payment(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"payment_token": "tok_approve"}
    payment_token: Annotated[
        str,
        msgspec.Meta(
            # Not blank: the token is trimmed before it is sent (application/ordering/pay_order.py).
            pattern=pattern(f"[^{WHITE_SPACE}]", "a token, not blank"),
            max_length=TOKEN_MAX,
            description="The card token from the payment provider (fake gateway: tok_approve...)",
            examples=["tok_approve"],
        ),
    ]


class Cancellation(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"reason": "ordered twice"}
    reason: Annotated[str, msgspec.Meta(max_length=400)] = ""


def _money(value: Money) -> MoneyOut:
    return MoneyOut(str(value.amount), value.currency)


class OrderChangedOut(msgspec.Struct):
    """`version` is the order's stream version now: pass it as `min_version` to read it back."""

    order_id: UUID
    version: int
    status: str

    @classmethod
    def of(cls, result: OrderChanged) -> OrderChangedOut:
        return cls(result.order_id, result.version, result.status)


class PaymentOut(msgspec.Struct):
    """`approved: false` is a declined card: the order stays placed and may be paid again."""

    order_id: UUID
    version: int
    status: str
    approved: bool
    decline_reason: str | None

    @classmethod
    def of(cls, outcome: PaymentOutcome) -> PaymentOut:
        return cls(
            outcome.order_id,
            outcome.version,
            outcome.status,
            outcome.approved,
            outcome.decline_reason,
        )


class LineOut(msgspec.Struct):
    product_id: UUID
    quantity: int
    unit_price: MoneyOut

    @classmethod
    def of(cls, line: OrderLine) -> LineOut:
        return cls(line.product_id, line.quantity, _money(line.unit_price))


class OrderSummaryOut(msgspec.Struct):
    id: UUID
    customer_id: UUID
    status: str
    total: MoneyOut
    item_count: int
    placed_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, row: OrderSummary) -> OrderSummaryOut:
        return cls(
            id=row.order_id,
            customer_id=row.customer_id,
            status=row.status,
            total=_money(row.total),
            item_count=row.item_count,
            placed_at=row.placed_at,
            updated_at=row.updated_at,
            version=row.version,
        )


class OrderPageOut(msgspec.Struct):
    items: list[OrderSummaryOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[OrderSummary]) -> OrderPageOut:
        return cls([OrderSummaryOut.of(row) for row in page.items], page.next_cursor)


class OrderOut(msgspec.Struct):
    id: UUID
    customer_id: UUID
    status: str
    total: MoneyOut
    lines: list[LineOut]
    payment_attempts: int
    payment_reference: str | None
    last_payment_failure: str | None
    cancel_reason: str | None
    refund_reference: str | None
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    cancelled_at: datetime | None
    refunded_at: datetime | None
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, row: OrderDetails) -> OrderOut:
        return cls(
            id=row.order_id,
            customer_id=row.customer_id,
            status=row.status,
            total=_money(row.total),
            lines=[LineOut.of(line) for line in row.lines],
            payment_attempts=row.payment_attempts,
            payment_reference=row.payment_reference,
            last_payment_failure=row.last_payment_failure,
            cancel_reason=row.cancel_reason,
            refund_reference=row.refund_reference,
            placed_at=row.placed_at,
            paid_at=row.paid_at,
            shipped_at=row.shipped_at,
            cancelled_at=row.cancelled_at,
            refunded_at=row.refunded_at,
            updated_at=row.updated_at,
            version=row.version,
        )


class HistoryEntryOut(msgspec.Struct):
    version: int
    type: str
    occurred_at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryOut:
        return cls(entry.version, entry.type, entry.occurred_at, entry.data)


class HistoryOut(msgspec.Struct):
    order_id: UUID
    events: list[HistoryEntryOut]
