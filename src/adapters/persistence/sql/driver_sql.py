"""Core statements compiled once for the asyncpg driver, for the statements that run on its own
calls (the reads of `SqlDatabase.reading_on_driver`, a unit of work's one-statement create, the
statements in a unit of work's DriverTransaction): the SQL text, and each call's arguments in
$n order.

A statement's bound values that were fixed when it was built (a literal in a subquery, such as a
projection's name) are kept from the compilation; the others are named at each call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.exc import IntegrityError

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


class DriverStatement:
    """One Core statement as asyncpg's SQL text; `arguments` are its parameters, in order.

    `bind_processing`: each value goes through its column type's bind processing first, as on
    the engine (UtcDateTime refuses a naive datetime); the reads, which bind no such value
    themselves, go without."""

    __slots__ = ("_fixed", "_names", "_processors", "sql")

    def __init__(self, statement: Any, *, bind_processing: bool = False) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql: str = compiled.string
        self._names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self._fixed: dict[str, Any] = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }
        self._processors: dict[str, Any] = {}
        if bind_processing:
            for name, bind in compiled.binds.items():
                process = bind.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
                if process is not None:
                    self._processors[name] = process

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The driver's arguments: `parameters` by name, else the values fixed in the statement
        (a name in neither is a KeyError, never a NULL)."""
        fixed = self._fixed
        values = [parameters[name] if name in parameters else fixed[name] for name in self._names]
        if self._processors:
            for n, name in enumerate(self._names):
                if (process := self._processors.get(name)) is not None:
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
    try:
        await driver.execute(statement.sql, *statement.arguments(parameters))
    except Exception as error:
        if _is_integrity(error):
            raise IntegrityError(statement.sql, dict(parameters), error) from error
        raise
    return True


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


__all__ = ["DriverStatement", "execute_on_driver", "fetchrow_on"]
