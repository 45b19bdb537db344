"""The typed first pass of StrictJsonRequest gives what the general way gives, or steps aside."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from entrypoints.catalog.http.schemas import NewProduct, ProductChanges, StockAdjustment
from entrypoints.http.strict_body import _integral_floats_as_ints, typed_decoder
from entrypoints.ordering.http.schemas import NewOrder


class Priced(msgspec.Struct):
    amount: Decimal


class Weighed(msgspec.Struct):
    grams: float


class Tagged(msgspec.Struct):
    tags: dict[str, Any]


class Nested(msgspec.Struct):
    inner: list[Priced] | None = None


def general(body: bytes, annotation: Any) -> Any:
    return msgspec.convert(
        _integral_floats_as_ints(msgspec.json.decode(body)), annotation, strict=True
    )


@pytest.mark.parametrize("annotation", [Priced, Weighed, Tagged, Nested, Priced | None])
def test_a_type_that_reads_numbers_as_written_goes_the_general_way(annotation: Any) -> None:
    # Decimal: 5.0 would decode as Decimal("5.0") here, Decimal("5") the general way.
    assert typed_decoder(annotation) is None


@pytest.mark.parametrize(
    ("annotation", "body"),
    [
        (
            NewProduct,
            b'{"sku": "tea-1", "sku": "TEA-2", "name": "Tea", '
            b'"price": {"amount": "4.50", "currency": "EUR"}, "stock": 3}',
        ),
        (ProductChanges, b'{"name": "Green tea"}'),
        (StockAdjustment, b'{"delta": -3, "reason": "damaged"}'),
        (
            NewOrder,
            b'{"lines": [{"product_id": "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", "quantity": 2}]}',
        ),
    ],
)
def test_the_typed_pass_gives_what_the_general_way_gives(annotation: Any, body: bytes) -> None:
    decoder = typed_decoder(annotation)
    assert decoder is not None
    assert decoder.decode(body) == general(body, annotation)


def test_what_the_typed_pass_refuses_the_general_way_may_take() -> None:
    # The request class then goes the general way: 5.0 is an integer to JSON Schema.
    body = (
        b'{"sku": "TEA-1", "name": "Tea", "price": {"amount": "1", "currency": "EUR"}, '
        b'"stock": 5.0}'
    )
    decoder = typed_decoder(NewProduct)
    assert decoder is not None
    with pytest.raises(msgspec.ValidationError):
        decoder.decode(body)
    assert general(body, NewProduct).stock == 5
