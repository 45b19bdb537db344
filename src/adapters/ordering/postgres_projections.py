"""The order projections' statements on PostgreSQL (sql_projections.py runs them): the upsert of a
rebuild's rows, and for the projector's steps the rows read and the save as one statement, each
compiled once for asyncpg's own calls (the state read is the engines' own, compiled there)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, Uuid, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from adapters.ordering.tables import order_details, order_summaries
from adapters.persistence.sql import driver_sql
from adapters.persistence.sql.tables import projection_state


def _upsert_of(table: Table) -> Any:
    """Each row inserted, or put in place of the one of its key (every other column from the
    new row): what deleting and inserting it does, in one statement."""
    upsert = postgresql.insert(table)
    replaced = {c.name: upsert.excluded[c.name] for c in table.columns if not c.primary_key}
    return upsert.on_conflict_do_update(index_elements=list(table.primary_key), set_=replaced)


UPSERTS = {table.name: _upsert_of(table) for table in (order_summaries, order_details)}


class _DriverSave:
    """A projector step's save as one statement for asyncpg, one round trip in autocommit
    instead of BEGIN, the compare-and-set, the upsert and COMMIT: the upsert (each column a
    typed array, unnested: one statement whatever the batch's size, prepared once) writes only
    if the compare-and-set moved the position, and the statement answers how many it moved
    (1 or 0). One statement is one transaction: the rows and the position move together."""

    __slots__ = ("_processors", "columns", "sql")

    def __init__(self, table: Table) -> None:
        dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
        quote, state = dialect.identifier_preparer.quote, projection_state.name
        self.columns = [c.name for c in table.columns if c.name != "generation"]
        names = ", ".join(quote(name) for name in self.columns)
        arrays = ", ".join(
            f"${n}::{table.c[name].type.compile(dialect=dialect)}[]"
            for n, name in enumerate(self.columns, start=5)
        )
        keys = ", ".join(quote(c.name) for c in table.primary_key)
        replaced = ", ".join(
            f"{quote(c.name)} = excluded.{quote(c.name)}"
            for c in table.columns
            if not c.primary_key
        )
        # Names and types from the tables' metadata only, never a value: no injection.
        self.sql = (
            f"WITH moved AS (UPDATE {quote(state)} SET position = $4"  # noqa: S608
            f" WHERE name = $1 AND generation = $2 AND position = $3 RETURNING 1),"
            f" saved AS (INSERT INTO {quote(table.name)} (generation, {names})"
            f" SELECT $2::integer, * FROM unnest({arrays}) WHERE EXISTS (SELECT FROM moved)"
            f" ON CONFLICT ({keys}) DO UPDATE SET {replaced})"
            " SELECT count(*) FROM moved"
        )
        # Each value through its column type's bind processing, as on the engine (UtcDateTime
        # refuses a naive datetime).
        self._processors = {
            name: process
            for name in self.columns
            if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        }

    def arguments(
        self, name: str, generation: int, moves: tuple[int, int], rows: list[dict[str, Any]]
    ) -> list[Any]:
        processors = self._processors
        arrays = []
        for column in self.columns:
            values = [row[column] for row in rows]
            if (process := processors.get(column)) is not None:
                values = [process(value) for value in values]
            arrays.append(values)
        return [name, generation, *moves, *arrays]


DRIVER_SAVES = {table.name: _DriverSave(table) for table in (order_summaries, order_details)}
DRIVER_ROWS = {
    table.name: driver_sql.DriverStatement(
        select(table).where(
            table.c.generation == bindparam("generation"),
            table.c.order_id == any_(bindparam("order_ids", type_=postgresql.ARRAY(Uuid()))),
        )
    )
    for table in (order_summaries, order_details)
}
