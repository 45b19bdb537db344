"""The order projections' SQL stores: the order summaries (lists, a customer's pages) and the
order details (one order by id), each a SqlProjectionStore (sql_projection_store.py: the rows,
the compare-and-set of the position, rebuilds).

Row security (PostgreSQL, docs/tenancy.md): a tenant's queries (`page`, `get`) act for that
tenant; `page_of_customer`, a person's orders in every organisation (the personal-data export),
acts for every tenant, as the projector's steps do.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cached_property
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import RowMapping, Select, and_, bindparam, or_, select

from adapters.ordering.sql_projection_store import SqlProjectionStore
from adapters.ordering.tables import order_details, order_summaries
from application.ordering.read_models import (
    OrderDetails,
    OrderDetailsStore,
    OrderFilter,
    OrderPosition,
    OrderSummary,
    OrderSummaryStore,
)
from domain.ordering.lines import OrderLine
from domain.shared.money import Money
from domain.shared.tenant import Tenant


class _StoredLine(msgspec.Struct):
    """An order line as `lines` holds it (`_to_row`): msgspec parses its id and its price in C
    (per line, that was a third of turning an order's row into its view). The price was written
    from Money's amount, so it has its two places already and needs no Money.of."""

    product_id: UUID
    quantity: int
    unit_price: Decimal


# Not strict: a quantity stored as a string reads, as int() read it.
_LINES = msgspec.json.Decoder(list[_StoredLine], strict=False)


class SqlOrderSummaryStore(SqlProjectionStore[OrderSummary], OrderSummaryStore):
    table = order_summaries

    async def page(
        self, tenant: Tenant, *, where: OrderFilter, after: OrderPosition | None, limit: int
    ) -> list[OrderSummary]:
        t = self.table
        query = select(t).where(
            t.c.organisation_id == tenant.organisation_id,
            t.c.generation == self._live_generation(),
        )
        if where.customer_id is not None:
            query = query.where(t.c.customer_id == where.customer_id)
        if where.status is not None:
            query = query.where(t.c.status == where.status)
        if where.placed_from is not None:
            query = query.where(t.c.placed_at >= where.placed_from)
        if where.placed_until is not None:
            query = query.where(t.c.placed_at < where.placed_until)
        return await self._newest_first(query, after, limit, tenant)

    async def page_of_customer(
        self, customer_id: UUID, *, after: OrderPosition | None, limit: int
    ) -> list[OrderSummary]:
        t = self.table
        query = select(t).where(
            t.c.generation == self._live_generation(), t.c.customer_id == customer_id
        )
        # A person's orders in every organisation (the personal-data export): every tenant.
        return await self._newest_first(query, after, limit, None)

    async def _newest_first(
        self, query: Select[Any], after: OrderPosition | None, limit: int, tenant: Tenant | None
    ) -> list[OrderSummary]:
        """`tenant` None: every tenant's orders, on purpose."""
        t = self.table
        if after is not None:
            query = query.where(
                or_(
                    t.c.placed_at < after.placed_at,
                    and_(t.c.placed_at == after.placed_at, t.c.order_id < after.order_id),
                )
            )
        query = query.order_by(t.c.placed_at.desc(), t.c.order_id.desc()).limit(limit)
        # A query: the replica, if there is one.
        async with self._db.reading(tenant, every_tenant=tenant is None) as connection:
            result = await connection.execute(query)
            return [self._from_row(row) for row in result.mappings()]

    def _to_row(self, row: OrderSummary) -> dict[str, Any]:
        return {
            "order_id": row.order_id,
            "organisation_id": row.organisation_id,
            "customer_id": row.customer_id,
            "status": row.status,
            "total_amount": row.total.amount,
            "currency": row.total.currency,
            "item_count": row.item_count,
            "placed_at": row.placed_at,
            "updated_at": row.updated_at,
            "version": row.version,
        }

    def _from_row(self, row: RowMapping) -> OrderSummary:
        return OrderSummary(
            order_id=row["order_id"],
            organisation_id=row["organisation_id"],
            customer_id=row["customer_id"],
            status=row["status"],
            total=Money(row["total_amount"], row["currency"]),
            item_count=row["item_count"],
            placed_at=row["placed_at"],
            updated_at=row["updated_at"],
            version=row["version"],
        )


class SqlOrderDetailsStore(SqlProjectionStore[OrderDetails], OrderDetailsStore):
    table = order_details

    @cached_property
    def _by_id(self) -> Select[Any]:
        """One order's row: built once (building the statement cost more CPU than running
        it through SQLAlchemy's compiled cache); `get` binds the order and the tenant."""
        t = self.table
        return select(t).where(
            t.c.order_id == bindparam("order_id"),
            t.c.organisation_id == bindparam("organisation_id"),
            t.c.generation == self._live_generation(),
        )

    async def get(self, tenant: Tenant, order_id: UUID) -> OrderDetails | None:
        bound = {"order_id": order_id, "organisation_id": tenant.organisation_id}
        # A query: the replica, if there is one (a read given min_version waits for it).
        async with self._db.reading(tenant) as connection:
            found = (await connection.execute(self._by_id, bound)).mappings().first()
        return None if found is None else self._from_row(found)

    def _to_row(self, row: OrderDetails) -> dict[str, Any]:
        lines = [
            {
                "product_id": str(line.product_id),
                "quantity": line.quantity,
                "unit_price": str(line.unit_price.amount),
            }
            for line in row.lines
        ]
        return {
            "order_id": row.order_id,
            "organisation_id": row.organisation_id,
            "customer_id": row.customer_id,
            "status": row.status,
            "total_amount": row.total.amount,
            "currency": row.total.currency,
            "lines": json.dumps(lines, separators=(",", ":")),
            "payment_attempts": row.payment_attempts,
            "payment_reference": row.payment_reference,
            "last_payment_failure": row.last_payment_failure,
            "cancel_reason": row.cancel_reason,
            "refund_reference": row.refund_reference,
            "placed_at": row.placed_at,
            "paid_at": row.paid_at,
            "shipped_at": row.shipped_at,
            "cancelled_at": row.cancelled_at,
            "refunded_at": row.refunded_at,
            "updated_at": row.updated_at,
            "version": row.version,
        }

    def _from_row(self, row: RowMapping) -> OrderDetails:
        currency = row["currency"]
        return OrderDetails(
            order_id=row["order_id"],
            organisation_id=row["organisation_id"],
            customer_id=row["customer_id"],
            status=row["status"],
            total=Money(row["total_amount"], currency),
            lines=tuple(
                OrderLine(line.product_id, line.quantity, Money(line.unit_price, currency))
                for line in _LINES.decode(row["lines"])
            ),
            payment_attempts=row["payment_attempts"],
            payment_reference=row["payment_reference"],
            last_payment_failure=row["last_payment_failure"],
            cancel_reason=row["cancel_reason"],
            refund_reference=row["refund_reference"],
            placed_at=row["placed_at"],
            paid_at=row["paid_at"],
            shipped_at=row["shipped_at"],
            cancelled_at=row["cancelled_at"],
            refunded_at=row["refunded_at"],
            updated_at=row["updated_at"],
            version=row["version"],
        )
