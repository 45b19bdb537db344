"""Which driver errors say the SQL database cannot be reached (503), and which do not: real
exception objects of each driver, as they raise them, wrapped the way SQLAlchemy wraps them."""

from __future__ import annotations

import sqlite3

import asyncmy.errors  # [adapter:mariadb]
import asyncpg.exceptions  # [adapter:postgresql]
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from adapters.persistence.sql.unreachable import is_unreachable
from application.shared.errors import DependencyUnavailable
from domain.shared.errors import Unavailable


def wrapped(orig: BaseException) -> OperationalError:
    return OperationalError("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
        # [adapter:postgresql begin]
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        # An idle connection told FATAL by a stopping server, before its close arrived.
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
        # [adapter:postgresql end]
        # [adapter:mariadb begin]
        wrapped(asyncmy.errors.OperationalError(2003, "Can't connect to MySQL server")),
        wrapped(asyncmy.errors.OperationalError(2006, "MySQL server has gone away")),
        wrapped(asyncmy.errors.OperationalError(2013, "Lost connection during query")),
        # [adapter:mariadb end]
        wrapped(sqlite3.OperationalError("database is locked")),
        DependencyUnavailable("database"),
    ],
    ids=repr,
)
def test_outages_are_recognised(error: BaseException) -> None:
    assert is_unreachable(error)


def test_a_driver_error_is_recognised_through_its_cause() -> None:
    cause = sqlite3.OperationalError("database is locked")
    adapted = RuntimeError("adapted")
    adapted.__cause__ = cause
    assert is_unreachable(wrapped(adapted))


@pytest.mark.parametrize(
    "error",
    [
        # [adapter:postgresql begin]
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        # Two statements at once on one connection: a bug of ours, not an outage.
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 12; another operation (12) is in progress"
        ),
        # [adapter:postgresql end]
        IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        wrapped(asyncmy.errors.OperationalError(1054, "Unknown column")),  # [adapter:mariadb]
        wrapped(sqlite3.OperationalError("no such table: products")),
        ValueError("not a database error"),
    ],
    ids=repr,
)
def test_other_errors_are_not_outages(error: BaseException) -> None:
    assert not is_unreachable(error)


def test_the_error_is_an_unavailable_naming_the_dependency() -> None:
    error = DependencyUnavailable("database", retry_after=2.0)
    assert isinstance(error, Unavailable)
    assert error.code == "dependency-unavailable"
    assert error.retry_after == 2.0
    assert "database" in error.message
