"""PostgreSQL Row-Level Security: the second guard of tenant isolation (docs/tenancy.md).

Every statement of the application already names its tenant; the policy makes PostgreSQL refuse
rows of another tenant even to a statement that forgot to. A session says whom it acts for in
the `portico.tenant` setting:

- an organisation's id: that tenant's rows only (read, and written: WITH CHECK);
- `*` (EVERY_TENANT): every row, said on purpose (migrations; the app's sessions with
  PORTICO_POSTGRES_ROW_SECURITY off, when the application's filters are the only guard; with
  it on, machinery across tenants: `enter_every_tenant`, docs/tenancy.md has the list);
- unset or empty: no row at all, and every write refused.

`enter_tenant` is the one step that tells it, transaction-locally, before a statement: the SQL
unit of work calls it once per tenant and transaction; it runs on SQLAlchemy's connection or on
asyncpg's own. A read in autocommit (`SqlDatabase.reading`) has no transaction to end it:
`tenant_session` sets it for the session and resets it before the connection goes back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Literal, Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio.engine import AsyncConnection, AsyncEngine

from domain.shared.tenant import Tenant

SETTING = "portico.tenant"
EveryTenant = Literal["*"]
EVERY_TENANT: EveryTenant = "*"

# The tables whose rows belong to a tenant (an `organisation_id` column): each gets the policy
# below, ENABLE and FORCE (its owner, the role that migrates and usually the one that serves,
# obeys it too). A table joins the list here and in the migration that guards it; the migration
# test checks a migrated database guards exactly these.
TENANT_TABLES: tuple[str, ...] = (
    "products",  # migration 0017
    "order_summaries",  # 0018 from here
    "order_details",
    "audit_log",
    "outbox",
)

POLICY = "tenant_isolation"
# Compared as text, so that `*`, '' or NULL never reach a uuid cast (which would raise rather
# than hide the row). The statements' own `organisation_id = $1` still picks the index.
CONDITION = (
    f"current_setting('{SETTING}', true) = '{EVERY_TENANT}' "
    f"OR organisation_id::text = current_setting('{SETTING}', true)"
)

# Transaction-local (is_local = true): it ends with the transaction, so a pooled connection
# never carries one request's tenant into the next. Driver SQL ($1), for both connections.
_ENTER = f"SELECT set_config('{SETTING}', $1, true)"
# For the session, until RESET (tenant_session): a read in autocommit has no transaction.
_ENTER_SESSION = f"SELECT set_config('{SETTING}', $1, false)"
_LEAVE_SESSION = f"RESET {SETTING}"


class DriverConnection(Protocol):
    """asyncpg's Connection, as far as entering a tenant needs it."""

    def execute(self, query: str, *args: Any) -> Awaitable[str]: ...

    def terminate(self) -> None: ...


async def enter_tenant(connection: AsyncConnection | DriverConnection, tenant: Tenant) -> None:
    """Tell PostgreSQL that the statements that follow in this transaction act for `tenant`.

    In a transaction only: in autocommit it would end with its own statement."""
    await _enter(connection, str(tenant.organisation_id))


async def enter_every_tenant(connection: AsyncConnection | DriverConnection) -> None:
    """Tell PostgreSQL that the statements that follow in this transaction act for every tenant:
    for machinery that works across tenants on purpose (the outbox relay, housekeeping,
    projection rebuilds, a person's orders in every organisation). In a transaction only."""
    await _enter(connection, EVERY_TENANT)


async def _enter(connection: AsyncConnection | DriverConnection, value: str) -> None:
    if isinstance(connection, AsyncConnection):
        await connection.exec_driver_sql(_ENTER, (value,))
    else:
        await connection.execute(_ENTER, value)


@asynccontextmanager
async def reading_as(
    reading: AbstractAsyncContextManager[Any], tenant: Tenant | EveryTenant
) -> AsyncIterator[Any]:
    """`reading`'s connection (a read's, SqlDatabase.reading), its session acting for `tenant`
    while it is lent (tenant_session)."""
    async with reading as connection, tenant_session(connection, tenant):
        yield connection


@asynccontextmanager
async def tenant_session(
    connection: AsyncConnection | DriverConnection, tenant: Tenant | EveryTenant
) -> AsyncIterator[None]:
    """For an autocommit connection (a read, one statement), SQLAlchemy's or asyncpg's own: the
    session acts for `tenant` until the block ends, then for nobody again (RESET), before the
    connection goes back to the pool. Three round trips where a transaction would take four
    (BEGIN, enter, the query, ROLLBACK); on asyncpg's own connection, as each is one short
    statement. A connection whose RESET fails is closed, never pooled again: it must never
    serve another read as `tenant`. EVERY_TENANT: every tenant's rows, on purpose."""
    raw: DriverConnection | None
    if isinstance(connection, AsyncConnection):
        raw = (await connection.get_raw_connection()).driver_connection
        if raw is None:  # invalidated meanwhile: nothing to read on
            raise RuntimeError("the connection was closed before the read")
    else:
        raw = connection
    value = tenant if isinstance(tenant, str) else str(tenant.organisation_id)
    await raw.execute(_ENTER_SESSION, value)
    try:
        yield
    finally:
        try:
            await raw.execute(_LEAVE_SESSION)
        except BaseException:
            if isinstance(connection, AsyncConnection):
                await connection.invalidate()
            else:  # closed: the pool's next checkout of it opens a new one (is_closed)
                raw.terminate()
            raise


def on_connect(engine: AsyncEngine, *, guarded: bool) -> None:
    """How the engine's new connections start: with row security on (`guarded`) in no tenant,
    so a statement that did not enter one sees nothing; off, in every tenant, as before the
    policies (the application's own filters keep tenants apart). Off says so in the connection's
    startup parameters, not with a SET: a statement run while connecting would open a
    transaction (SQLAlchemy's asyncpg adapter begins one) that the pool then rolls back, SET
    and all, and a RESET goes back to the startup value rather than to no tenant."""
    if guarded:
        return

    def every_tenant(_dialect: Any, _record: Any, _args: Any, parameters: dict[str, Any]) -> None:
        parameters["server_settings"] = {
            **parameters.get("server_settings", {}),
            SETTING: EVERY_TENANT,
        }

    event.listen(engine.sync_engine, "do_connect", every_tenant)


async def guard_problems(connection: AsyncConnection) -> list[str]:
    """Why the guard would not hold for this connection's role and database (empty: it holds):
    a role that bypasses every policy, or a tenant table (of those it has) without its policy,
    ENABLE or FORCE."""
    problems = []
    role = await connection.exec_driver_sql(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    name, superuser, bypasses = tuple(role.one())
    if superuser or bypasses:
        kind = "a superuser" if superuser else "a role with BYPASSRLS"
        problems.append(f"the role {name} is {kind}, which no policy filters")
    guarded = await connection.exec_driver_sql(
        "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
        "WHERE c.relrowsecurity AND c.relforcerowsecurity AND p.polname = $1 "
        "AND pg_table_is_visible(c.oid)",
        (POLICY,),
    )
    present = await connection.exec_driver_sql(
        "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND pg_table_is_visible(c.oid)"
    )
    # A fork that removed a context (tools/contexts.py) has none of its tables, and 0018 left
    # them out; a database with no tenant table at all is not migrated: every one is missing.
    tables = set(TENANT_TABLES) & set(present.scalars()) or set(TENANT_TABLES)
    missing = sorted(tables - set(guarded.scalars()))
    if missing:
        problems.append(
            f"{', '.join(missing)} not guarded (policy {POLICY}, ENABLE and FORCE ROW LEVEL "
            "SECURITY: migrations 0017 and 0018; run `portico db upgrade`)"
        )
    return problems


def guard_statements(table: str) -> list[str]:
    """The DDL that guards a tenant table (what migrations 0017 and 0018 run)."""
    return [
        f"CREATE POLICY {POLICY} ON {table} USING ({CONDITION})",
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
    ]


__all__ = [
    "CONDITION",
    "EVERY_TENANT",
    "POLICY",
    "SETTING",
    "TENANT_TABLES",
    "EveryTenant",
    "enter_every_tenant",
    "enter_tenant",
    "guard_problems",
    "guard_statements",
    "on_connect",
    "tenant_session",
]
