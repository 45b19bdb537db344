from datetime import UTC, datetime
from uuid import uuid4

import pytest

from application.shared.pagination import check_limit, decode_cursor, encode_cursor
from domain.shared.errors import InvalidValue


def test_a_cursor_round_trips_its_position() -> None:
    at, item = datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=UTC), uuid4()
    assert decode_cursor(encode_cursor(at, item)) == (at, item)


@pytest.mark.parametrize(
    "cursor",
    ["", "!!!", "bm90IGpzb24", "WzEsMl0", "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwibm90LWEtdXVpZCJd"],
)
def test_a_foreign_cursor_is_refused_as_invalid(cursor: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        decode_cursor(cursor)
    assert caught.value.field == "cursor"


def test_a_cursor_without_timezone_is_refused() -> None:
    naive = encode_cursor(datetime(2026, 1, 1), uuid4())
    with pytest.raises(InvalidValue):
        decode_cursor(naive)


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_limits_outside_1_to_100_are_refused(limit: int) -> None:
    with pytest.raises(InvalidValue):
        check_limit(limit)
