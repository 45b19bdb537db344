"""PostgresOrderDetailsStore: an order's read model on PostgreSQL, its `get` on the asyncpg driver.

`get` (GET /api/v1/orders/{id}) runs SqlOrderDetailsStore's very statement, compiled once for
asyncpg (driver_sql.py), with the driver's own `fetchrow` on a connection of the database's one
pool (`SqlDatabase.reading_on_driver`: the replica and its fallback, outages turned into
DependencyUnavailable, the session acting for the tenant when row security is on); the record
goes straight to the same view (`_from_row`: asyncpg's UUID, `numeric` at its column's scale,
aware UTC datetimes, as the Core path gives them). SQLAlchemy's per-statement work was most of
what the read spent above the floor (bench/README.md). The projector's steps go on the driver
in SqlProjectionStore itself (sql_projection_store.py, without row security); rebuilds stay on
Core, as on SQLite and MariaDB.
"""

from __future__ import annotations

from functools import cached_property
from uuid import UUID

from adapters.ordering.sql_projections import SqlOrderDetailsStore
from adapters.persistence.sql.driver_sql import DriverStatement
from application.ordering.read_models import OrderDetails
from domain.shared.tenant import Tenant


class PostgresOrderDetailsStore(SqlOrderDetailsStore):
    """OrderDetailsStore on PostgreSQL: SqlOrderDetailsStore with `get` on the driver."""

    @cached_property
    def _by_id_on_driver(self) -> DriverStatement:
        return DriverStatement(self._by_id)

    async def get(self, tenant: Tenant, order_id: UUID) -> OrderDetails | None:
        statement = self._by_id_on_driver
        arguments = statement.arguments(
            {"order_id": order_id, "organisation_id": tenant.organisation_id}
        )
        # A query: the replica, if there is one (a read given min_version waits for it).
        async with self._db.reading_on_driver(tenant) as connection:
            found = await connection.fetchrow(statement.sql, *arguments)
        return None if found is None else self._from_row(found)


__all__ = ["PostgresOrderDetailsStore"]
