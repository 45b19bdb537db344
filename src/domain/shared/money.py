"""Money: a Decimal amount with exactly two places and an ISO 4217 currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.shared.currencies import ISO_4217_CODES
from domain.shared.errors import InvalidValue

_CENT = Decimal("0.01")
# Fits NUMERIC(12, 2) on every SQL engine we support.
MAX_AMOUNT = Decimal("9999999999.99")


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str, *, field: str = "price") -> Money:
        """Build Money from outside input, refusing anything that would lose a cent."""
        try:
            value = Decimal(amount) if not isinstance(amount, Decimal) else amount
        except InvalidOperation:
            raise InvalidValue(f"{field}.amount", "must be a decimal number") from None
        if not value.is_finite():
            raise InvalidValue(f"{field}.amount", "must be a finite number")
        if value != value.quantize(_CENT):
            raise InvalidValue(f"{field}.amount", "must have at most two decimal places")
        if value < 0:
            raise InvalidValue(f"{field}.amount", "must not be negative")
        if value > MAX_AMOUNT:
            raise InvalidValue(f"{field}.amount", f"must not exceed {MAX_AMOUNT}")
        if currency not in ISO_4217_CODES:
            raise InvalidValue(f"{field}.currency", "must be an ISO 4217 code such as EUR or USD")
        return cls(value.quantize(_CENT), currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
