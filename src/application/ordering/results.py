"""What ordering commands answer: enough for the caller to read its own write."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class OrderChanged:
    """`version` is the order's stream version after the command: pass it as `min_version` to
    GetOrder to read this write back from the projection."""

    order_id: UUID
    version: int
    status: str


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    order_id: UUID
    version: int
    status: str
    approved: bool
    decline_reason: str | None = None
