"""The ordering context on the memory adapters, for its application tests."""

from __future__ import annotations

import pytest

from tests.support.clock import SteppingClock
from tests.support.ordering.shop import Shop


@pytest.fixture
def shop(clock: SteppingClock) -> Shop:
    return Shop.in_memory(clock)
