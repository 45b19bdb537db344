"""The typed first pass of StrictJsonRequest gives what the general way gives, or steps aside
(each context's own bodies: tests/unit/<context>/test_*_bodies.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
import pytest

from entrypoints.http.strict_body import typed_decoder
from tests.support.bodies import general, typed


class Priced(msgspec.Struct):
    amount: Decimal


class Weighed(msgspec.Struct):
    grams: float


class Tagged(msgspec.Struct):
    tags: dict[str, Any]


class Nested(msgspec.Struct):
    inner: list[Priced] | None = None


class Line(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9-]+$")]
    count: Annotated[int, msgspec.Meta(ge=1)] = 1


class Basket(msgspec.Struct, forbid_unknown_fields=True):
    lines: list[Line]
    note: str = ""


@pytest.mark.parametrize("annotation", [Priced, Weighed, Tagged, Nested, Priced | None])
def test_a_type_that_reads_numbers_as_written_goes_the_general_way(annotation: Any) -> None:
    # Decimal: 5.0 would decode as Decimal("5.0") here, Decimal("5") the general way.
    assert typed_decoder(annotation) is None


@pytest.mark.parametrize(
    "body",
    [b'{"lines": [{"code": "A-1", "count": 2}, {"code": "B"}]}', b'{"lines": [], "note": "x"}'],
)
def test_the_typed_pass_gives_what_the_general_way_gives(body: bytes) -> None:
    assert typed(body, Basket) == general(body, Basket)


def test_what_the_typed_pass_refuses_the_general_way_may_take() -> None:
    # The request class then goes the general way: 5.0 is an integer to JSON Schema.
    body = b'{"lines": [{"code": "A-1", "count": 5.0}]}'
    with pytest.raises(msgspec.ValidationError):
        typed(body, Basket)
    assert general(body, Basket).lines[0].count == 5
