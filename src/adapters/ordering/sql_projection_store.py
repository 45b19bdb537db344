"""The SQL projection store that each order projection's store specialises: rows keyed by
(generation, order_id), state in projection_state.

`save` moves the position with `UPDATE ... WHERE generation = ? AND position = ?` in the same
transaction as the rows: the compare-and-set that makes a projector step idempotent (on
PostgreSQL without row security, both in one statement on the driver: postgres_projections.py).
A rebuild fills generation + 1 beside the live rows, then `swap_in` flips `generation` in one
UPDATE and deletes the old rows: "fresh tables swapped in", without DDL at run time, so the swap is
transactional on all three engines and the schema stays the one the migrations made.

The projector's steps act for every tenant, on purpose (row security, docs/tenancy.md): one step
applies a batch of events of many tenants in one transaction (its rows and the position move
together), and a rebuild replaces every tenant's rows.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import RowMapping, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.ordering.postgres_projections import (  # [adapter:postgresql]
    DRIVER_ROWS,  # [adapter:postgresql]
    DRIVER_SAVES,  # [adapter:postgresql]
    UPSERTS,  # [adapter:postgresql]
    driver_saves,  # [adapter:postgresql]
)  # [adapter:postgresql]
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.driver_sql import DriverStatement  # [adapter:postgresql]
from adapters.persistence.sql.notify import announce  # [adapter:postgresql]
from adapters.persistence.sql.tables import projection_state
from application.ordering.read_models import Row
from application.shared.ports.projections import PendingSave, ProjectionState, ProjectionStore

_state = projection_state
_STATE = select(_state.c.generation, _state.c.position).where(_state.c.name == bindparam("name"))
# The projector asks for it at every step: on PostgreSQL, on the driver (one round trip).
_STATE_ON_DRIVER = DriverStatement(_STATE)  # [adapter:postgresql]


class SqlProjectionStore(ProjectionStore[Row]):
    table: ClassVar[Table]

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    @abstractmethod
    def _to_row(self, row: Row) -> dict[str, Any]:
        """The table's columns for one read-model row."""

    @abstractmethod
    def _from_row(self, row: RowMapping) -> Row:
        """The read-model row of one table row."""

    def _live_generation(self) -> Any:
        return select(_state.c.generation).where(_state.c.name == self.name).scalar_subquery()

    async def _stored_state(self) -> Any:
        """The state's row (generation, position) or None: the primary's, never a replica's
        (its position is the compare-and-set's)."""
        # [adapter:postgresql begin]
        if self._db.backend == "postgresql":
            async with self._db.on_driver() as driver:
                arguments = _STATE_ON_DRIVER.arguments({"name": self.name})
                return await driver.fetchrow(_STATE_ON_DRIVER.sql, *arguments)
        # [adapter:postgresql end]
        async with self._db.connect() as connection:
            return (await connection.execute(_STATE, {"name": self.name})).mappings().first()

    async def state(self) -> ProjectionState:
        found = await self._stored_state()
        if found is not None:
            return ProjectionState(found["generation"], found["position"])
        try:
            async with self._db.begin() as connection:
                await connection.execute(
                    insert(_state).values(name=self.name, generation=1, position=0)
                )
        except IntegrityError:
            return await self.state()  # created by someone else meanwhile
        return ProjectionState(1, 0)

    # [adapter:postgresql begin]
    @property
    def _on_driver(self) -> bool:
        """The projector's steps on asyncpg's own calls: PostgreSQL without row security (with
        it, a step acts for every tenant in its transaction first)."""
        return self._db.backend == "postgresql" and not self._db.row_security

    # [adapter:postgresql end]

    async def rows(self, generation: int, order_ids: Iterable[UUID]) -> dict[UUID, Row]:
        # [adapter:postgresql begin]
        if self._on_driver:  # the primary's: the rows the compare-and-set will replace
            statement = DRIVER_ROWS[self.table.name]
            bound = {"generation": generation, "order_ids": list(order_ids)}
            arguments = statement.arguments(bound)
            async with self._db.on_driver() as driver:
                found = await driver.fetch(statement.sql, *arguments)
            return {row["order_id"]: self._from_row(row) for row in found}
        # [adapter:postgresql end]
        t = self.table
        query = select(t).where(t.c.generation == generation, t.c.order_id.in_(list(order_ids)))
        async with self._db.connect(every_tenant=True) as connection:  # the projector's batch
            result = await connection.execute(query)
            return {row["order_id"]: self._from_row(row) for row in result.mappings()}

    async def save(
        self, generation: int, rows: Mapping[UUID, Row], *, from_position: int, to_position: int
    ) -> bool:
        # [adapter:postgresql begin]
        if self._on_driver:
            saved = await self._saved_on_driver(generation, rows, from_position, to_position)
            if saved is not None and (saved or (generation, from_position) != (1, 0)):
                return saved
            # Not sent, or no state row yet at a first save: the engine's path below.
        # [adapter:postgresql end]
        moved = (
            update(_state)
            .where(
                _state.c.name == self.name,
                _state.c.generation == generation,
                _state.c.position == from_position,
            )
            .values(position=to_position)
        )
        try:
            # Every tenant: the batch's events are of many tenants, applied in one transaction.
            async with self._db.begin(every_tenant=True) as connection:
                if (await connection.execute(moved)).rowcount != 1:
                    if (generation, from_position) != (1, 0):
                        return False
                    # A projection's first save creates its state (a racing twin fails here).
                    await connection.execute(
                        insert(_state).values(name=self.name, generation=1, position=to_position)
                    )
                await self._replace(connection, generation, rows)
        except IntegrityError:
            return False
        return True

    # [adapter:postgresql begin]
    async def _saved_on_driver(
        self, generation: int, rows: Mapping[UUID, Row], from_position: int, to_position: int
    ) -> bool | None:
        """`save` as one statement (_DriverSave); None if it could not go on the driver (a
        connection in a transaction the pool must reset first)."""
        saving = DRIVER_SAVES[self.table.name]
        values = [self._to_row(row) for row in rows.values()]
        arguments = saving.arguments(self.name, generation, (from_position, to_position), values)
        async with self._db.on_driver() as driver:
            if driver.is_in_transaction():
                return None
            moved = await driver.fetchval(saving.sql, *arguments)
        return bool(moved == 1)

    async def save_together(self, saves: Sequence[PendingSave]) -> list[bool] | None:
        """On the driver, the saves of order projections of this database as one statement
        (_DriverSaves); None (one by one) otherwise, or if one is a first save (its state row
        may not exist yet: `save` creates it)."""
        if not self._on_driver:
            return None
        stores = []
        for save in saves:
            store = save.store
            if not isinstance(store, SqlProjectionStore) or store._db is not self._db:
                return None
            if (save.generation, save.from_position) == (1, 0):
                return None
            stores.append(store)
        saving = driver_saves(tuple(store.table.name for store in stores))
        arguments = saving.arguments(
            [
                (
                    store.name,
                    save.generation,
                    (save.from_position, save.to_position),
                    [store._to_row(row) for row in save.rows.values()],
                )
                for store, save in zip(stores, saves, strict=True)
            ]
        )
        async with self._db.on_driver() as driver:
            if driver.is_in_transaction():
                return None
            moved = await driver.fetchrow(saving.sql, *arguments)
        return [count == 1 for count in moved]

    # [adapter:postgresql end]

    async def begin_rebuild(self) -> int:
        live = (await self.state()).generation
        async with self._db.begin(every_tenant=True) as connection:  # a rebuild: every tenant
            await connection.execute(delete(self.table).where(self.table.c.generation != live))
        return live + 1

    async def write(self, generation: int, rows: Mapping[UUID, Row]) -> None:
        async with self._db.begin(every_tenant=True) as connection:  # a rebuild: every tenant
            await self._replace(connection, generation, rows)

    async def swap_in(self, generation: int, position: int) -> None:
        async with self._db.begin(every_tenant=True) as connection:  # a rebuild: every tenant
            # Running projectors, here too, go on from the new position at once.
            await announce(connection, None)  # [adapter:postgresql]
            await connection.execute(
                update(_state)
                .where(_state.c.name == self.name)
                .values(generation=generation, position=position)
            )
            await connection.execute(
                delete(self.table).where(self.table.c.generation != generation)
            )

    async def _replace(
        self, connection: AsyncConnection, generation: int, rows: Mapping[UUID, Row]
    ) -> None:
        if not rows:
            return
        t = self.table
        values = [{"generation": generation, **self._to_row(row)} for row in rows.values()]
        # [adapter:postgresql begin]
        if connection.dialect.name == "postgresql":  # one statement instead of two
            await connection.execute(UPSERTS[t.name], values)
            return
        # [adapter:postgresql end]
        await connection.execute(
            delete(t).where(t.c.generation == generation, t.c.order_id.in_(list(rows)))
        )
        await connection.execute(insert(t), values)


__all__ = ["SqlProjectionStore"]
