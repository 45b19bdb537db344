"""Column types that behave the same on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, with microseconds on every engine.

    PostgreSQL keeps `timestamptz`; SQLite and MariaDB have no zone, so UTC is stored naive there
    (MariaDB needs DATETIME(6), or it drops the microseconds that keyset pagination compares).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # [adapter:mariadb begin]
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects import mysql  # loaded with its dialect: 1 MB elsewhere

            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        # [adapter:mariadb end]
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: give a timezone")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite autoincrements only an INTEGER PRIMARY KEY.
AutoPosition = BigInteger().with_variant(Integer(), "sqlite")
