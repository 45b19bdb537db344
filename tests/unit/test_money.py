from decimal import Decimal

import pytest

from domain.shared.errors import InvalidValue
from domain.shared.money import Money


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("12.5", Decimal("12.50")),
        ("0", Decimal("0.00")),
        (7, Decimal("7.00")),
        ("0.01", Decimal("0.01")),
    ],
)
def test_amounts_are_kept_with_two_places(amount: str | int, expected: Decimal) -> None:
    money = Money.of(amount, "EUR")
    assert money.amount == expected
    assert str(money.amount) == f"{expected:.2f}"


@pytest.mark.parametrize(
    ("amount", "currency", "field", "fragment"),
    [
        ("12.345", "EUR", "price.amount", "two decimal places"),
        ("-0.01", "EUR", "price.amount", "negative"),
        ("abc", "EUR", "price.amount", "decimal"),
        ("NaN", "EUR", "price.amount", "finite"),
        ("Infinity", "EUR", "price.amount", "finite"),
        ("10000000000.00", "EUR", "price.amount", "exceed"),
        ("1.00", "eur", "price.currency", "ISO 4217"),
        ("1.00", "XYZ", "price.currency", "ISO 4217"),
    ],
)
def test_bad_money_names_the_field_at_fault(
    amount: str, currency: str, field: str, fragment: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        Money.of(amount, currency)
    assert caught.value.field == field
    assert fragment in caught.value.message


def test_money_compares_by_value() -> None:
    assert Money.of("1.5", "USD") == Money.of("1.50", "USD")
    assert Money.of("1.50", "USD") != Money.of("1.50", "EUR")
