"""Order lines: what was ordered, with the unit price copied from the catalog at that moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from domain.shared.errors import InvalidValue
from domain.shared.money import Money

MAX_LINES = 50
MAX_QUANTITY = 1000


@dataclass(frozen=True, slots=True)
class OrderLine:
    product_id: UUID
    quantity: int
    unit_price: Money

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price.amount * self.quantity


def valid_quantity(quantity: int, field: str) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidValue(field, f"must be between 1 and {MAX_QUANTITY}")
    return quantity


def valid_lines(lines: Sequence[OrderLine]) -> tuple[OrderLine, ...]:
    """One line per product, sane quantities, one currency for the whole order."""
    if not lines:
        raise InvalidValue("lines", "must hold at least one line")
    if len(lines) > MAX_LINES:
        raise InvalidValue("lines", f"must hold at most {MAX_LINES} lines")
    seen: set[UUID] = set()
    for index, line in enumerate(lines):
        valid_quantity(line.quantity, f"lines[{index}].quantity")
        if line.product_id in seen:
            raise InvalidValue(f"lines[{index}].product_id", "appears in more than one line")
        seen.add(line.product_id)
    if len({line.unit_price.currency for line in lines}) != 1:
        raise InvalidValue("lines", "must all be priced in one currency")
    return tuple(lines)


def total_of(lines: Sequence[OrderLine]) -> Money:
    """The amount to pay; an order too large for one Money is refused as InvalidValue("total")."""
    currency = lines[0].unit_price.currency
    return Money.of(
        sum((line.subtotal for line in lines), Decimal("0.00")), currency, field="total"
    )
