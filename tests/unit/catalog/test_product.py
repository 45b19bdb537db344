from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.catalog.errors import InsufficientStock
from domain.catalog.events import ProductChanged, ProductCreated, ProductDeleted, StockAdjusted
from domain.catalog.product import STOCK_MAX, Product
from domain.shared.errors import InvalidValue
from domain.shared.money import Money
from domain.shared.tenant import Tenant

NOW = datetime(2026, 5, 1, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
ACME = Tenant(UUID(int=7))


def make(**overrides: object) -> Product:
    fields: dict[str, object] = {
        "tenant": ACME,
        "id": uuid4(),
        "sku": "tea-1",
        "name": "  Green tea ",
        "description": "",
        "price": Money.of("3.20", "EUR"),
        "stock": 4,
        "now": NOW,
    }
    fields.update(overrides)
    return Product.create(**fields)  # type: ignore[arg-type]


def test_create_normalizes_and_records_the_fact() -> None:
    product = make()
    assert (product.sku, product.name, product.version) == ("TEA-1", "Green tea", 1)
    assert product.persisted_version == 0
    [event] = product.pull_events()
    assert isinstance(event, ProductCreated)
    assert (event.sku, event.stock, event.aggregate_id) == ("TEA-1", 4, product.id)
    assert product.pull_events() == []


def test_every_fact_names_the_products_organisation() -> None:
    # Consumers (and the cache's invalidation) act within the tenant an event names.
    product = make()
    product.change(name="Black tea", now=LATER)
    product.adjust_stock(delta=1, reason="", now=LATER)
    product.delete(now=LATER)
    events = product.pull_events()
    assert len(events) == 4
    assert {getattr(e, "organisation_id", None) for e in events} == {ACME.organisation_id}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sku": "a"}, "sku"),
        ({"sku": "-AB"}, "sku"),
        ({"sku": "AB CD"}, "sku"),
        ({"sku": "X" * 33}, "sku"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"name": "two\nlines"}, "name"),
        ({"description": "d" * 2001}, "description"),
        ({"description": "bell\x07"}, "description"),
        ({"stock": -1}, "stock"),
        ({"stock": STOCK_MAX + 1}, "stock"),
    ],
)
def test_invariants_are_enforced_with_the_field_named(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        make(**overrides)
    assert caught.value.field == field


def test_a_change_moves_the_version_once_per_unit_of_work() -> None:
    product = make()
    product.mark_persisted()
    product.pull_events()

    product.change(name="Black tea", now=LATER)
    product.change(price=Money.of("4.00", "EUR"), now=LATER)

    assert product.version == 2
    assert product.persisted_version == 1
    assert product.updated_at == LATER
    changes = [e.changes for e in product.pull_events() if isinstance(e, ProductChanged)]
    assert changes == [{"name": "Black tea"}, {"price": "4.00 EUR"}]


def test_a_change_to_the_same_values_records_nothing() -> None:
    product = make()
    product.mark_persisted()
    product.pull_events()

    product.change(name="Green tea", sku="tea-1", now=LATER)

    assert product.version == 1
    assert product.updated_at == NOW
    assert product.pull_events() == []


def test_stock_never_goes_below_zero() -> None:
    product = make(stock=2)
    with pytest.raises(InsufficientStock):
        product.adjust_stock(delta=-3, reason="sale", now=LATER)
    assert product.stock == 2


def test_stock_adjustment_records_delta_and_result() -> None:
    product = make(stock=2)
    product.pull_events()
    product.adjust_stock(delta=5, reason=" delivery ", now=LATER)
    [event] = product.pull_events()
    assert isinstance(event, StockAdjusted)
    assert (event.delta, event.stock, event.reason) == (5, 7, "delivery")


@pytest.mark.parametrize(("delta", "reason"), [(0, ""), (1, "r" * 201), (STOCK_MAX, "")])
def test_bad_adjustments_are_refused(delta: int, reason: str) -> None:
    with pytest.raises(InvalidValue):
        make(stock=1).adjust_stock(delta=delta, reason=reason, now=LATER)


def test_delete_records_the_fact() -> None:
    product = make()
    product.pull_events()
    product.delete(now=LATER)
    [event] = product.pull_events()
    assert isinstance(event, ProductDeleted)
    assert event.sku == "TEA-1"


@given(st.lists(st.integers(min_value=-50, max_value=50), max_size=40))
def test_any_sequence_of_adjustments_keeps_stock_non_negative(deltas: list[int]) -> None:
    product = make(stock=10)
    expected = 10
    for delta in deltas:
        try:
            product.adjust_stock(delta=delta, reason="", now=LATER)
        except (InsufficientStock, InvalidValue):
            continue
        expected += delta
    assert product.stock == expected >= 0
