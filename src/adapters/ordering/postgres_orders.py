"""An order placed in one statement on PostgreSQL: the stock taken, the order's events and the
outbox rows as one autocommitted statement, one round trip instead of four (BEGIN, the stock's
UPDATE, the rows' INSERT, COMMIT). A single statement is atomic: the rows are written with the
stock taken or not at all, and the product's row lock orders concurrent takers as before.

What the order needs before its events can be built is each line's price: it comes from
`PRICES`, this process's memory of the price each product had when an order last took its stock
here. The statement takes the units only where the product still has that price and enough
units, and writes its rows only if it took them (`INSERT ... SELECT ... FROM taken`); otherwise it
writes nothing, the memory forgets the product, and the unit of work raises ConcurrentUpdate:
the use case's retry then takes the stock in a transaction, which refuses as before (OutOfStock,
no such product) or prices the order anew. A stale price can never sell. StockAdjusted's stock
and version after the take come from the UPDATE itself: its outbox row is the one the registry
encoded, with those two payload keys set by the statement.

One line only (an order of several goes the transaction's way): one UPDATE either takes its
units or not; several in one statement could take some and not others, and could not lock their
rows in product order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Text,
    bindparam,
    insert,
    select,
    union_all,
)

from adapters.catalog.postgres import TAKEN_AT_PRICE, payload_after_take
from adapters.persistence.sql.driver_sql import DriverStatement, fetchrow_on
from adapters.persistence.sql.event_store import filled_by_postgresql
from adapters.persistence.sql.tables import event_store_events, outbox
from domain.shared.money import Money
from domain.shared.tenant import Tenant


class Prices:
    """Products' prices as the last stock taken here found them, by tenant and product: a hint
    the statement checks, never trusted (a product changed elsewhere is simply missed)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._prices: dict[tuple[UUID, UUID], Money] = {}

    def get(self, tenant: Tenant, product_id: UUID) -> Money | None:
        return self._prices.get((tenant.organisation_id, product_id))

    def remember(self, tenant: Tenant, product_id: UUID, price: Money) -> None:
        if len(self._prices) >= self._limit:
            self._prices.clear()  # bounded; forgotten prices cost one order the long way
        self._prices[tenant.organisation_id, product_id] = price

    def forget(self, tenant: Tenant, product_id: UUID) -> None:
        self._prices.pop((tenant.organisation_id, product_id), None)


PRICES = Prices()


@dataclass(frozen=True, slots=True)
class StagedTake:
    """A line's stock to take with the order's write, at the price the order was given."""

    tenant: Tenant
    product_id: UUID
    quantity: int
    price: Money
    reason: str
    now: datetime


_TAKEN = TAKEN_AT_PRICE
_STOCK_PAYLOAD = payload_after_take(bindparam("s_payload", type_=Text()))


def _selected(table: Any, prefix: str, columns: Sequence[str], given: Mapping[str, Any]) -> Any:
    """One row's values, read once per row the UPDATE took: `prefix<column>` bound, or `given`."""
    values = [
        given[name] if name in given else bindparam(f"{prefix}{name}", type_=table.c[name].type)
        for name in columns
    ]
    return select(*values).select_from(_TAKEN)


@cache
def _statement(
    outbox_columns: tuple[str, ...], outbox_rows: int, event_columns: tuple[str, ...], events: int
) -> DriverStatement:
    """The take, then (only if it took) StockAdjusted's outbox row and the order's
    `outbox_rows` others in their order (one INSERT: positions in the rows' order), and the
    order's `events` event rows; the product's row as taken, or none. Built once per shape."""
    outbox_insert = insert(outbox).from_select(
        list(outbox_columns),
        union_all(
            _selected(outbox, "s_", outbox_columns, {"payload": _STOCK_PAYLOAD}),
            *(_selected(outbox, f"o{n}_", outbox_columns, {}) for n in range(outbox_rows)),
        ),
    )
    filled = filled_by_postgresql()
    columns = [*event_columns, *filled]
    events_insert = insert(event_store_events).from_select(
        columns,
        union_all(
            *(_selected(event_store_events, f"e{n}_", columns, filled) for n in range(events))
        )
        if events > 1
        else _selected(event_store_events, "e0_", columns, filled),
    )
    statement = (
        select(_TAKEN)
        .add_cte(outbox_insert.cte("outbox_rows"))
        .add_cte(events_insert.cte("event_rows"))
    )
    return DriverStatement(statement, bind_processing=True)


async def place_in_one_statement(
    driver: Any,
    take: StagedTake,
    stock_row: Mapping[str, Any],
    outbox_rows: Sequence[Mapping[str, Any]],
    event_rows: Sequence[Mapping[str, Any]],
) -> Mapping[str, Any] | None:
    """Send the statement on asyncpg's connection `driver` (in no transaction): the product's
    row after the take, or None when it took nothing and wrote nothing. `stock_row`: the
    outbox row of StockAdjusted (its payload's stock and version are replaced)."""
    statement = _statement(
        tuple(stock_row), len(outbox_rows), tuple(event_rows[0]), len(event_rows)
    )
    parameters: dict[str, Any] = {
        "tenant": take.tenant.organisation_id,
        "product_id": take.product_id,
        "n": take.quantity,
        "amount": take.price.amount,
        "currency": take.price.currency,
        "at": take.now,
    }
    parameters.update({f"s_{name}": value for name, value in stock_row.items()})
    for n, row in enumerate(outbox_rows):
        parameters.update({f"o{n}_{name}": value for name, value in row.items()})
    for n, row in enumerate(event_rows):
        parameters.update({f"e{n}_{name}": value for name, value in row.items()})
    found = await fetchrow_on(driver, statement, parameters)
    return None if found is None else dict(found.items())


__all__ = ["PRICES", "Prices", "StagedTake", "place_in_one_statement"]
