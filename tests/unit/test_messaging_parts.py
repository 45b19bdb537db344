"""Small pure parts of messaging: retry back-off, the wire envelope, where the worker runs."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec
import pytest

from adapters.messaging.envelope import decode, encode
from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import IntegrationEvent
from entrypoints.settings import Settings


def test_retries_back_off_exponentially_up_to_a_ceiling() -> None:
    policy = RetryPolicy(first_delay=0.5, max_delay=3.0)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    with pytest.raises(ValueError, match="max_deliveries"):
        RetryPolicy(max_deliveries=0)


def test_the_envelope_survives_the_wire_whole() -> None:
    event = IntegrationEvent(
        id=UUID(int=7),
        type="catalog.ProductChanged",
        version=2,
        occurred_at=datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC),
        aggregate_id=UUID(int=9),
        payload={"changes": {"name": "Tè"}, "version": 3},
        correlation_id="req-1",
        causation_id="cause",
        actor="ada",
    )
    assert decode(encode(event)) == event
    assert event.context == "catalog"
    with pytest.raises(msgspec.ValidationError):
        decode(b'{"id": "not a uuid"}')


@pytest.mark.parametrize(
    ("bus", "choice", "in_process"),
    [
        ("memory", "auto", True),
        ("nats", "auto", False),  # [adapter:nats]
        ("nats", "serve", True),  # [adapter:nats]
        ("memory", "worker", False),
        ("memory", "off", False),
    ],
)
def test_the_api_runs_the_worker_itself_only_when_it_must_or_is_told(
    bus: str, choice: str, in_process: bool
) -> None:
    settings = msgspec.convert({"bus": {"backend": bus}, "background": choice}, Settings)
    assert settings.runs_worker_in_process is in_process
