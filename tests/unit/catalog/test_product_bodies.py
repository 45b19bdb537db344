"""The catalog's request bodies: StrictJsonRequest's typed pass reads them as the general way."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from entrypoints.catalog.http.schemas import NewProduct, ProductChanges, StockAdjustment
from tests.support.bodies import general, typed


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
    ],
)
def test_the_typed_pass_gives_what_the_general_way_gives(annotation: Any, body: bytes) -> None:
    assert typed(body, annotation) == general(body, annotation)


def test_a_stock_of_5_point_0_goes_the_general_way() -> None:
    body = (
        b'{"sku": "TEA-1", "name": "Tea", "price": {"amount": "1", "currency": "EUR"}, '
        b'"stock": 5.0}'
    )
    with pytest.raises(msgspec.ValidationError):
        typed(body, NewProduct)
    assert general(body, NewProduct).stock == 5
