"""Core statements compiled once for the asyncpg driver, for the statements that run on its own
calls (the reads of `SqlDatabase.reading_on_driver`, a unit of work's one-statement create, the
statements in a unit of work's DriverTransaction): the SQL text, and each call's arguments in
$n order.

A statement's bound values that were fixed when it was built (a literal in a subquery, such as a
projection's name) are kept from the compilation; the others are named at each call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.exc import IntegrityError

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


class DriverStatement:
    """One Core statement as asyncpg's SQL text; `arguments` are its parameters, in order.

    `bind_processing`: each value goes through its column type's bind processing first, as on
    the engine (UtcDateTime refuses a naive datetime); the reads, which bind no such value
    themselves, go without."""

    __slots__ = ("_fixed", "_names", "_positions", "_processing", "sql")

    def __init__(
        self, statement: Any, *, bind_processing: bool = False, order: tuple[str, ...] = ()
    ) -> None:
        """`order`: the names of the values `ordered_arguments` takes (every name bound)."""
        compiled = statement.compile(dialect=_DIALECT)
        self.sql: str = compiled.string
        self._names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self._positions = tuple(order.index(name) for name in self._names) if order else ()
        self._fixed: dict[str, Any] = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }
        # The positions whose value goes through a bind processor, and it: found once, so a
        # call visits those few (a create's three datetimes of 23 values), not every name.
        self._processing: tuple[tuple[int, Any], ...] = ()
        if bind_processing:
            binds = compiled.binds
            self._processing = tuple(
                (n, process)
                for n, name in enumerate(self._names)
                if (process := binds[name].type.dialect_impl(_DIALECT).bind_processor(_DIALECT))
                is not None
            )

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The driver's arguments: `parameters` by name, else the values fixed in the statement
        (a name in neither is a KeyError, never a NULL)."""
        fixed = self._fixed
        values = [parameters[name] if name in parameters else fixed[name] for name in self._names]
        return self._processed(values)

    def ordered_arguments(self, values: Sequence[Any]) -> list[Any]:
        """The driver's arguments from `values` in the statement's `order`: no mapping of
        names to build and look up (a create's one statement: 23 values)."""
        return self._processed([values[n] for n in self._positions])

    def _processed(self, values: list[Any]) -> list[Any]:
        for n, process in self._processing:
            values[n] = process(values[n])
        return values


async def execute_on_driver(
    driver: Any, statement: DriverStatement, parameters: Mapping[str, Any]
) -> bool:
    """`statement` on the `driver`'s connection (asyncpg's), outside any transaction (so it
    commits by itself), past SQLAlchemy's execution context, a refused row raised as the engine
    would (an IntegrityError).

    False, and nothing sent, if the connection is in a transaction (a connect hook's statement
    begins one in SQLAlchemy's adapter, which the pool rolls back at the checkin): the caller
    then sends it through the engine."""
    if driver.is_in_transaction():
        return False
    await _execute(driver, statement.sql, statement.arguments(parameters))
    return True


async def execute_ordered_on_driver(
    driver: Any, statement: DriverStatement, values: Sequence[Any]
) -> bool:
    """`execute_on_driver` with the values in the statement's `order`."""
    if driver.is_in_transaction():
        return False
    await _execute(driver, statement.sql, statement.ordered_arguments(values))
    return True


async def _execute(driver: Any, sql: str, arguments: list[Any]) -> None:
    try:
        await driver.execute(sql, *arguments)
    except Exception as error:
        if _is_integrity(error):
            raise IntegrityError(sql, arguments, error) from error
        raise


async def fetchrow_on(
    driver: Any, statement: DriverStatement, parameters: Mapping[str, Any]
) -> Any:
    """`statement`'s first row (or None) on asyncpg's own connection `driver`, in whatever
    transaction it is (a unit of work's DriverTransaction), past SQLAlchemy's execution context
    and result (about a third of a statement's CPU); a refused row raised as the engine would."""
    try:
        return await driver.fetchrow(statement.sql, *statement.arguments(parameters))
    except Exception as error:
        if _is_integrity(error):
            raise IntegrityError(statement.sql, dict(parameters), error) from error
        raise


def _is_integrity(error: Exception) -> bool:
    """asyncpg's class 23 errors (unique, foreign key, check, not null), matched by name as
    unreachable.py matches its own."""
    return any(kind.__name__ == "IntegrityConstraintViolationError" for kind in type(error).__mro__)


__all__ = ["DriverStatement", "execute_on_driver", "execute_ordered_on_driver", "fetchrow_on"]
