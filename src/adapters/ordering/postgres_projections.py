"""The order projections' statements on PostgreSQL (sql_projections.py runs them): the upsert of a
rebuild's rows, and for the projector's steps the rows read and the save as one statement, each
compiled once for asyncpg's own calls (the state read is the engines' own, compiled there)."""

from __future__ import annotations

from functools import cache
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
    (1 or 0). One statement is one transaction: the rows and the position move together.
    `ctes`: the same as two common table expressions, `moved<suffix>` and `saved<suffix>`, its
    parameters numbered from `first`, for several saves in one statement (`_DriverSaves`)."""

    __slots__ = ("_processors", "columns", "ctes", "parameters", "sql")

    def __init__(self, table: Table, first: int = 1, suffix: str = "") -> None:
        dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
        quote, state = dialect.identifier_preparer.quote, projection_state.name
        self.columns = [c.name for c in table.columns if c.name != "generation"]
        self.parameters = 4 + len(self.columns)
        name, generation, before, after = (f"${first + n}" for n in range(4))
        names = ", ".join(quote(name) for name in self.columns)
        arrays = ", ".join(
            f"${n}::{table.c[name].type.compile(dialect=dialect)}[]"
            for n, name in enumerate(self.columns, start=first + 4)
        )
        keys = ", ".join(quote(c.name) for c in table.primary_key)
        replaced = ", ".join(
            f"{quote(c.name)} = excluded.{quote(c.name)}"
            for c in table.columns
            if not c.primary_key
        )
        moved, saved = f"moved{suffix}", f"saved{suffix}"
        # Names and types from the tables' metadata only, never a value: no injection.
        self.ctes = (
            f"{moved} AS (UPDATE {quote(state)} SET position = {after}"  # noqa: S608
            f" WHERE name = {name} AND generation = {generation} AND position = {before}"
            f" RETURNING 1), {saved} AS (INSERT INTO {quote(table.name)} (generation, {names})"
            f" SELECT {generation}::integer, * FROM unnest({arrays})"
            f" WHERE EXISTS (SELECT FROM {moved}) ON CONFLICT ({keys}) DO UPDATE SET {replaced})"
        )
        self.sql = f"WITH {self.ctes} SELECT count(*) FROM {moved}"  # noqa: S608
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


class _DriverSaves:
    """Several projections' saves (_DriverSave) in one statement, each its own compare-and-set
    and upsert, which answers how many each moved (a row of 1s and 0s, in order): the live
    projector's step of both order projections in one round trip, not two."""

    __slots__ = ("saves", "sql")

    def __init__(self, tables: tuple[Table, ...]) -> None:
        self.saves, first = [], 1
        for n, table in enumerate(tables):
            self.saves.append(_DriverSave(table, first, str(n)))
            first += self.saves[-1].parameters
        counts = (f"(SELECT count(*) FROM moved{n})" for n in range(len(tables)))  # noqa: S608
        moved = ", ".join(counts)
        self.sql = f"WITH {', '.join(save.ctes for save in self.saves)} SELECT {moved}"

    def arguments(
        self, saves: list[tuple[str, int, tuple[int, int], list[dict[str, Any]]]]
    ) -> list[Any]:
        return [
            argument
            for save, arguments in zip(self.saves, saves, strict=True)
            for argument in save.arguments(*arguments)
        ]


@cache
def driver_saves(names: tuple[str, ...]) -> _DriverSaves:
    """The saves of these projection tables (by name) in one statement, built once."""
    return _DriverSaves(tuple(_TABLES[name] for name in names))


_TABLES = {table.name: table for table in (order_summaries, order_details)}
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
