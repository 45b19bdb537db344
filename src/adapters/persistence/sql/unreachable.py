"""Which errors say a SQL database cannot be reached or used now (then HTTP 503), for every
backend's driver: asyncpg, asyncmy/PyMySQL, sqlite3, as raised or as SQLAlchemy wraps them."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from application.shared.errors import DependencyUnavailable

# [adapter:postgresql begin]
# asyncpg's "cannot connect / connection gone / server shutting down" kinds (PostgresConnectionError
# with its subclasses: ConnectionDoesNotExistError, ConnectionFailureError, ...; and the 57P0x
# operator interventions, but not 57014, a cancelled query), matched by name so this module does
# not need asyncpg installed.
_ASYNCPG_UNREACHABLE = frozenset(
    {
        "PostgresConnectionError",
        "AdminShutdownError",
        "CrashShutdownError",
        "CannotConnectNowError",
        "IdleSessionTimeoutError",
    }
)
# An idle pooled connection that a stopping server sent its FATAL (57P01) to before closing it:
# asyncpg takes the unsolicited error, waits for a sync point that never comes (protocol state
# 2, consuming an error) and refuses the next statement with this, until the close arrives and
# the connection says it is closed (then the pool opens a new one). Seen under load when
# PostgreSQL restarts (tests/e2e/catalog/test_database_outage_serve.py).
_ASYNCPG_TERMINATED_WHILE_IDLE = "another operation (2) is in progress"
# [adapter:postgresql end]
# [adapter:mariadb begin]
# MySQL/MariaDB client errors: can't connect (2002, 2003), server gone away (2006), lost
# connection during query (2013), lost connection (2055); server shutdown in progress (1053).
_MYSQL_UNREACHABLE = frozenset({1053, 2002, 2003, 2006, 2013, 2055})
# [adapter:mariadb end]
# SQLite, once its busy_timeout has passed.
_SQLITE_BUSY = ("database is locked", "database is busy")


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` (or what it wraps) says the database cannot be reached or used now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _says_unreachable(current):
            return True
        wrapped = current.orig if isinstance(current, DBAPIError) else None
        current = wrapped if isinstance(wrapped, BaseException) else current.__cause__
    return False


def _says_unreachable(error: BaseException) -> bool:
    if isinstance(error, OSError | DependencyUnavailable):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    # [adapter:postgresql begin]
    if any(kind.__name__ in _ASYNCPG_UNREACHABLE for kind in type(error).__mro__):
        return True
    if type(error).__name__ == "InternalClientError":
        return _ASYNCPG_TERMINATED_WHILE_IDLE in str(error)
    # [adapter:postgresql end]
    kind = type(error)
    # [adapter:mariadb begin]
    if kind.__module__.startswith(("asyncmy", "pymysql")) and error.args:
        return error.args[0] in _MYSQL_UNREACHABLE
    # [adapter:mariadb end]
    if kind.__module__.startswith("sqlite3") or kind.__name__ == "OperationalError":
        message = str(error).lower()
        return any(busy in message for busy in _SQLITE_BUSY)
    return False
