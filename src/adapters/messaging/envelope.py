"""The wire form of an IntegrationEvent: one JSON object, the same on every bus."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from application.shared.ports.messaging import IntegrationEvent


class _Wire(msgspec.Struct, frozen=True):
    id: UUID
    type: str
    version: int
    occurred_at: datetime
    aggregate_id: UUID
    payload: dict[str, Any]
    correlation_id: str | None = None
    causation_id: str | None = None
    actor: str | None = None
    traceparent: str | None = None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_Wire)


def encode(event: IntegrationEvent) -> bytes:
    return _encoder.encode(
        _Wire(
            id=event.id,
            type=event.type,
            version=event.version,
            occurred_at=event.occurred_at,
            aggregate_id=event.aggregate_id,
            payload=event.payload,
            correlation_id=event.correlation_id,
            causation_id=event.causation_id,
            actor=event.actor,
            traceparent=event.traceparent,
        )
    )


def decode(data: bytes) -> IntegrationEvent:
    """Raise msgspec.ValidationError / DecodeError on anything that is not an envelope."""
    wire = _decoder.decode(data)
    return IntegrationEvent(
        id=wire.id,
        type=wire.type,
        version=wire.version,
        occurred_at=wire.occurred_at,
        aggregate_id=wire.aggregate_id,
        payload=wire.payload,
        correlation_id=wire.correlation_id,
        causation_id=wire.causation_id,
        actor=wire.actor,
        traceparent=wire.traceparent,
    )
