"""Core statements compiled once for the asyncpg driver, for the reads that run on its own calls
(`SqlDatabase.reading_on_driver`): the SQL text, and each call's arguments in $n order.

A statement's bound values that were fixed when it was built (a literal in a subquery, such as a
projection's name) are kept from the compilation; the others are named at each call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect


class DriverStatement:
    """One Core statement as asyncpg's SQL text; `arguments` are its parameters, in order."""

    __slots__ = ("_fixed", "_names", "sql")

    def __init__(self, statement: Any) -> None:
        compiled = statement.compile(dialect=asyncpg_dialect())  # type: ignore[no-untyped-call]
        self.sql: str = compiled.string
        self._names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self._fixed: dict[str, Any] = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The driver's arguments: `parameters` by name, else the values fixed in the statement
        (a name in neither is a KeyError, never a NULL)."""
        fixed = self._fixed
        return [parameters[name] if name in parameters else fixed[name] for name in self._names]


__all__ = ["DriverStatement"]
