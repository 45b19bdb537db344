"""PostgresDoorbell: PostgreSQL LISTEN/NOTIFY as the wake-up between processes.

The event store's appends NOTIFY `CHANNEL` inside their transaction (`announce`), so PostgreSQL
delivers it at COMMIT, and not at all on a rollback. The outbox's writers announce after their
commit instead (`PostgresDoorbell.announce`): a NOTIFY in the transaction holds PostgreSQL's
database-wide notify lock from before the commit's WAL flush to its end, so every create's
commit waited for the one before it (no group commit), and each sent the relay off after it
for a batch of a few events (bench/README.md, "Session 14: the product write"). Each process
that waits keeps one connection of its own LISTENing (not one of the pool: a pooled connection
is handed back and reused), opened on the first wait. When that connection is lost (a server
restart, a network cut), it is opened again after a pause that grows to `MAX_RETRY`, and the
doorbell rings once it listens again: whatever was committed meanwhile is looked for at once.
A notification lost without the connection noticing is found by the waiters' safety-net poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from functools import cache
from typing import Any

import structlog
from sqlalchemy import Insert, bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.persistence.doorbell import InProcessDoorbell
from adapters.persistence.sql.engine import async_url
from application.shared.ports.wakeup import Doorbell

CHANNEL = "portico_changes"
# Before the sender's name: the commit added outbox rows only (the projectors need not look).
# A process that does not know it takes such a ring as any other: it looks once for nothing.
OUTBOX_ONLY = "outbox:"
FIRST_RETRY, MAX_RETRY = 0.5, 10.0
# After a NOTIFY, the commits of the next moment wait this long for the next one: under a stream
# of commits the announcer sent one per round trip, back to back (a third of the creates, about
# 50 µs of the API's CPU each); the relays linger longer than this anyway (OutboxRelay.linger).
ANNOUNCE_SPACING = 0.005
_NOTIFY = text("SELECT pg_notify(:channel, :sender)")
_log = structlog.get_logger("portico.wakeup")


async def announce(
    connection: AsyncConnection, rung_by: Doorbell | None, stored_events: bool = True
) -> None:
    """In the caller's transaction: wake every listening process once it commits. PostgreSQL
    folds the same notification of one transaction into one; other databases have none.

    `rung_by`: the doorbell the caller rings itself after the commit (the units of work do), so
    its own listener leaves the notification to the others: one wake-up per commit, not two.
    `stored_events` False: the transaction adds outbox rows only (Doorbell.ring)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(_NOTIFY, announcement(rung_by, stored_events))


def announcement(rung_by: Doorbell | None, stored_events: bool = True) -> dict[str, str]:
    """The parameters of `announce`'s NOTIFY."""
    sender = rung_by.name if isinstance(rung_by, InProcessDoorbell) else ""
    return {"channel": CHANNEL, "sender": sender if stored_events else OUTBOX_ONLY + sender}


@cache
def together(inserts: tuple[Insert, ...]) -> Insert:
    """Several inserts as one statement (one round trip): the last, with the others as its
    data-modifying CTEs (each runs whether or not it is read). Each must bind its values under
    names of its own; built once per tuple of (built once) inserts."""
    statement = inserts[-1]
    for n, each in enumerate(inserts[:-1]):
        statement = statement.add_cte(each.cte(f"added{n}"))
    return statement


async def execute_multirow(
    connection: AsyncConnection, statement: Any, parameters: dict[str, Any], *, driver: Any = None
) -> None:
    """Execute a statement with a multi-row VALUES (`inserting_rows`), which SQLAlchemy's
    statement cache leaves out (it would compile it again on every execution, which cost more
    CPU than the round trip it saves): compiled once per dialect here, then sent as the
    driver's SQL with its positional parameters (the values need no bind processing: UUIDs,
    datetimes, strings and integers go to asyncpg as they are). `driver`: asyncpg's connection
    under `connection`, when the caller holds it."""
    sql, names, constants = _compiled(statement, connection.dialect)
    values = {**constants, **parameters} if constants else parameters
    arguments = tuple(values[name] for name in names)
    # In a transaction already begun (a statement sent before: SQLAlchemy begins lazily), on
    # asyncpg's own connection: about 100 µs less CPU than SQLAlchemy's cursor and result.
    if driver is None:
        driver = (await connection.get_raw_connection()).driver_connection
    if driver is None or not driver.is_in_transaction():
        await connection.exec_driver_sql(sql, arguments)
        return
    try:
        await driver.execute(sql, *arguments)
    except Exception as error:
        if _violation(error):  # what the callers tell apart, as the Core path raises it
            raise IntegrityError(sql, arguments, error) from None
        raise


def _violation(error: Exception) -> bool:
    """An integrity constraint refused a row (asyncpg's class 23 errors), matched by name as
    unreachable.py does, so this module needs no asyncpg import."""
    return any(kind.__name__ == "IntegrityConstraintViolationError" for kind in type(error).__mro__)


@cache
def _compiled(statement: Any, dialect: Any) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    compiled = statement.compile(dialect=dialect)
    constants = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    return compiled.string, tuple(compiled.positiontup or ()), constants


@cache
def inserting_rows(table: Any, columns: tuple[str, ...], count: int) -> Insert:
    """An insert of `count` rows of `columns` into `table`, the n-th row's values bound as
    `r<n>_<column>`; built once per shape."""
    return insert(table).values(
        [{name: bindparam(f"r{n}_{name}") for name in columns} for n in range(count)]
    )


# Each insert of a `with_inserts`: its table, its columns, and whether it has several rows.
InsertShape = tuple[tuple[Any, tuple[str, ...], bool], ...]


@cache
def insert_names(shape: InsertShape) -> tuple[tuple[str, ...], ...]:
    """The bound names of `with_inserts(shape)`, the n-th insert's one per column in the
    columns' order, `i<n>_<column>`: its row's value, or with several rows the array of their
    values; made once per shape, not formatted per call."""
    return tuple(
        tuple(f"i{n}_{c}" for c in columns) for n, (_table, columns, _many) in enumerate(shape)
    )


@cache
def with_inserts(shape: InsertShape) -> Any:
    """Inserts (each a table, its columns and whether several rows) as one statement,
    `together`; built once per shape, the values bound by `insert_names`. Several rows of a table
    go as one `INSERT ... SELECT FROM unnest(<one array per column>)`: the same statement for
    any number of rows (a batch's), so one compilation and one prepared statement per
    connection, where a multi-row VALUES was one of each per row count (bench/README.md,
    session 16)."""
    return together(
        tuple(
            _from_arrays(table, columns, names)
            if many
            else insert(table).values(dict(zip(columns, map(bindparam, names), strict=True)))
            for (table, columns, many), names in zip(shape, insert_names(shape), strict=True)
        )
    )


def _from_arrays(table: Any, columns: tuple[str, ...], names: tuple[str, ...]) -> Insert:
    """`INSERT INTO table (columns) SELECT ... FROM unnest($1::type[], ...)`: the rows
    of one array per column, in the arrays' order; each element bound as its column's type."""
    arrays = [
        bindparam(name, type_=ARRAY(table.c[column].type))  # sent as `$n::<type>[]`
        for column, name in zip(columns, names, strict=True)
    ]
    rows = func.unnest(*arrays).table_valued(*columns).render_derived()
    return insert(table).from_select(list(columns), select(*(rows.c[c] for c in columns)))


def connect_arguments(url: str) -> dict[str, Any]:
    """asyncpg.connect's arguments for PORTICO_DATABASE_URL, as the engine's own dialect makes
    them (host, credentials and the URL's options such as `?ssl=require`)."""
    parsed = async_url(url)
    _, arguments = parsed.get_dialect()().create_connect_args(parsed)
    for engine_only in ("prepared_statement_cache_size", "prepared_statement_name_func"):
        arguments.pop(engine_only, None)
    return dict(arguments)


class PostgresDoorbell(InProcessDoorbell):
    def __init__(self, url: str, *, connect_timeout: float = 5.0) -> None:
        super().__init__()
        self._arguments = connect_arguments(url)
        self._connect_timeout = connect_timeout
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()  # set while a connection listens (tests wait on it)
        self.connections = 0  # how many times it has begun listening
        self._wanted: bool | None = None  # an announcement to send (True: events were stored)
        self._announcer: asyncio.Task[None] | None = None
        self._sending: Any = None  # the connection announcements go on, opened on the first

    @property
    def reaches_other_processes(self) -> bool:
        return True

    async def wait(
        self, at_most: float, waiter: object = None, *, stored_events_only: bool = False
    ) -> bool:
        self._start()
        return await super().wait(at_most, waiter, stored_events_only=stored_events_only)

    def announce(self, stored_events: bool = True) -> None:
        """Ring here, and NOTIFY the other processes from a connection of this doorbell's own
        (not the pool's), after the commit. Announcements asked for while one is on its way
        become one more, sent after it: each commit is followed by a NOTIFY sent after it, and
        a busy process sends one per round trip and ANNOUNCE_SPACING, not one per commit; a
        commit after a quiet spell is announced at once. A NOTIFY that cannot go
        (the server unreachable) is dropped: the waiters' safety-net poll finds the rows."""
        self.ring(stored_events)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._wanted = stored_events or bool(self._wanted)
        if self._announcer is not None and self._announcer.get_loop() is not loop:
            self._announcer, self._sending = None, None  # a new loop (tests)
        if self._announcer is None or self._announcer.done():
            self._announcer = loop.create_task(self._announce(), name="doorbell-announcer")

    async def _announce(self) -> None:
        while self._wanted is not None:
            stored, self._wanted = self._wanted, None
            sender = announcement(self, stored)["sender"]
            # A connection the server dropped since (a restart) fails once: try a fresh one.
            for last_try in (self._sending is None, True):
                try:
                    await self._notify(sender)
                    break
                except Exception as error:
                    sending, self._sending = self._sending, None
                    if sending is not None:
                        with contextlib.suppress(Exception):
                            sending.terminate()
                    if last_try:
                        _log.warning(
                            "wakeup.announce_failed",
                            error=f"{type(error).__name__}: {error}"[:200],
                        )
                        return
            await asyncio.sleep(ANNOUNCE_SPACING)

    async def _notify(self, sender: str) -> None:
        import asyncpg  # type: ignore[import-untyped]  # only where PostgreSQL is used

        if self._sending is None or self._sending.is_closed():
            self._sending = await asyncpg.connect(**self._arguments, timeout=self._connect_timeout)
        # NOTIFY in the simple protocol: one message, nothing to parse, bind and describe
        # (about 20 µs of this process's CPU less than pg_notify with parameters, measured).
        # The sender is our own: a hex token, a pid and perhaps OUTBOX_ONLY; quoted anyway.
        await self._sending.execute(f"NOTIFY {CHANNEL}, '{sender.replace(chr(39), chr(39) * 2)}'")

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and self._task.get_loop() is not loop:
            self._task, self.listening = None, asyncio.Event()  # a new loop (tests)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._listen(), name="doorbell-listener")

    async def _listen(self) -> None:
        import asyncpg  # only where PostgreSQL is used

        pause = FIRST_RETRY
        while True:
            connection: Any = None
            lost = asyncio.Event()
            try:
                connection = await asyncpg.connect(**self._arguments, timeout=self._connect_timeout)
                connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, self._heard)
                self.connections += 1
                if self.connections > 1:
                    _log.info("wakeup.listening_again")
                self.listening.set()
                pause = FIRST_RETRY
                self.ring()  # commits made while nobody listened: look for them now
                await lost.wait()
                _log.warning("wakeup.connection_lost", retry_in=pause)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                _log.warning(
                    "wakeup.listen_failed",
                    error=f"{type(error).__name__}: {error}"[:200],
                    retry_in=pause,
                )
            finally:
                self.listening.clear()
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(connection.close(timeout=1))
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_RETRY)

    def _heard(self, _connection: object, _pid: int, _channel: str, sender: str) -> None:
        name = sender.removeprefix(OUTBOX_ONLY)
        if name != self.name:  # our own commits ring here already
            self.ring(stored_events=name == sender)

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        announcer, self._announcer = self._announcer, None
        if announcer is not None and not announcer.done() and announcer.get_loop() is loop:
            with contextlib.suppress(Exception):  # the last commits' announcement, if it can go
                await asyncio.wait_for(announcer, 1.0)
        task, self._task = self._task, None
        if task is not None and not task.done() and task.get_loop() is loop:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sending, self._sending = self._sending, None
        if sending is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(sending.close(timeout=1))
