"""PlaceOrderOnce: PlaceOrder behind an Idempotency-Key (POST /orders retried by a client
places one order, and answers the first result again)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.ordering.place_order import PlaceOrder, PlaceOrderHandler
from application.ordering.results import OrderChanged
from application.shared.idempotency import run_once
from application.shared.ports.clock import Clock
from application.shared.ports.event_store import Payload
from application.shared.ports.idempotency import IdempotencyStore


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrderOnce:
    command: PlaceOrder
    idempotency_key: str


class PlaceOrderOnceHandler:
    def __init__(self, place: PlaceOrderHandler, store: IdempotencyStore, clock: Clock) -> None:
        self._place = place
        self._store = store
        self._clock = clock

    async def __call__(self, request: PlaceOrderOnce) -> OrderChanged:
        command = request.command
        return await run_once(
            self._store,
            scope=f"place-order:{command.customer_id}",
            key=request.idempotency_key,
            request={
                "lines": [[str(line.product_id), line.quantity] for line in command.lines],
            },
            now=self._clock.now(),
            action=lambda: self._place(command),
            encode=_encode,
            decode=_decode,
        )


def _encode(result: OrderChanged) -> Payload:
    return {"order_id": str(result.order_id), "version": result.version, "status": result.status}


def _decode(payload: Payload) -> OrderChanged:
    return OrderChanged(UUID(payload["order_id"]), int(payload["version"]), str(payload["status"]))
