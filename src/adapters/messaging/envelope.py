"""The wire form of an IntegrationEvent: one JSON object, the same on every bus; on NATS, with
headers beside it.

The envelope names the event's organisation (tenant), and NATS's `Portico-Organisation-Id`
header repeats it (`message_headers`). `decode` checks one against the other: a message whose
header and envelope disagree is not trusted (TenantMismatch; nats_pull.py dead-letters it).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any
from uuid import UUID

import msgspec

from application.shared.ports.messaging import IntegrationEvent
from domain.shared.tenant import Tenant

# The NATS header that repeats the envelope's organisation (docs/messaging.md).
ORGANISATION_HEADER = "Portico-Organisation-Id"


class TenantMismatch(ValueError):
    """The header names another organisation than the envelope: the message is not trusted."""


def _about(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class Envelope(msgspec.Struct, frozen=True):
    """Every published event on the wire; `payload` has the shape its type and version declare."""

    id: Annotated[UUID, _about("The event's id, also the Nats-Msg-Id header: deduplicate by it")]
    type: Annotated[str, _about("'<context>.<Name>', the event's type")]
    version: Annotated[int, _about("The schema version of `payload` for this type")]
    occurred_at: datetime
    aggregate_id: Annotated[UUID, _about("What the event is about (an order, a product)")]
    payload: dict[str, Any]
    correlation_id: Annotated[str | None, _about("Ties together all one request caused")] = None
    causation_id: Annotated[str | None, _about("The event or request that caused this one")] = None
    actor: Annotated[str | None, _about("Who acted, when someone did")] = None
    traceparent: Annotated[str | None, _about("W3C trace context of the publishing span")] = None
    organisation_id: Annotated[
        UUID | None,
        _about(
            "The organisation (tenant) the event belongs to; the nil UUID, or absent in "
            "events sent before it was carried, is the single tenant"
        ),
    ] = None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Envelope)


def encode(event: IntegrationEvent) -> bytes:
    return _encoder.encode(
        Envelope(
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
            organisation_id=event.tenant.organisation_id,
        )
    )


def message_headers(event: IntegrationEvent) -> dict[str, str]:
    """The headers of `event`'s message on NATS: its id as `Nats-Msg-Id` (the server drops a
    re-send inside the stream's duplicate window) and its organisation (checked by `decode`)."""
    return {"Nats-Msg-Id": str(event.id), ORGANISATION_HEADER: _header(event.tenant)}


@lru_cache(maxsize=1024)
def _header(tenant: Tenant) -> str:
    """The organisation header's text: a relay sends the same few tenants' over and over."""
    return str(tenant.organisation_id)


# One Tenant per organisation met (it is frozen): a frozen dataclass's __init__ is most of a
# microsecond, paid per event decoded.
_tenant = lru_cache(maxsize=1024)(Tenant)


@lru_cache(maxsize=1024)
def _organisation(header: str) -> UUID:
    """The header's UUID: a consumer meets the same few tenants' headers over and over, and
    parsing one took a fifth of a message's decoding (a refused header is not kept)."""
    return UUID(header)


def decode(data: bytes, organisation_header: str | None = None) -> IntegrationEvent:
    """Raise msgspec.ValidationError / DecodeError on anything that is not an envelope, and
    TenantMismatch when `organisation_header` (NATS's) names another tenant than the envelope.
    An envelope without an organisation takes the header's, else the single tenant's."""
    wire = _decoder.decode(data)
    organisation = wire.organisation_id
    if organisation_header is not None:
        try:
            named = _organisation(organisation_header)
        except ValueError:
            raise TenantMismatch(f"{ORGANISATION_HEADER}: not a UUID") from None
        if organisation is not None and named != organisation:
            raise TenantMismatch(f"{ORGANISATION_HEADER} {named} but the envelope {organisation}")
        organisation = named
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
        tenant=_tenant(Tenant.SINGLE_ID if organisation is None else organisation),
    )
