"""The ordering context's request body reads the same by StrictJsonRequest's typed pass as the
general way."""

from __future__ import annotations

from entrypoints.ordering.http.schemas import NewOrder
from tests.support.bodies import general, typed


def test_the_typed_pass_gives_what_the_general_way_gives() -> None:
    body = b'{"lines": [{"product_id": "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", "quantity": 2}]}'
    assert typed(body, NewOrder) == general(body, NewOrder)
