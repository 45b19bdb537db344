"""How far a read replica is behind its primary (PostgreSQL streaming replication)."""

from __future__ import annotations

from sqlalchemy import text

from adapters.persistence.sql.database import SqlDatabase


async def replica_lag(database: SqlDatabase) -> int | None:
    """Bytes of write-ahead log the replica has still to replay; None where the engine has no
    such measure. Raises when the replica cannot be reached."""
    replica = database.replica
    if replica is None:
        raise ValueError("this database has no replica")
    # [adapter:postgresql begin]
    if replica.backend == "postgresql":
        return await _wal_lag(database, replica)
    # [adapter:postgresql end]
    await replica.ping()
    return None


# [adapter:postgresql begin]
async def _wal_lag(database: SqlDatabase, replica: SqlDatabase) -> int:
    async with replica.connect() as connection:
        replayed = await connection.scalar(text("SELECT pg_last_wal_replay_lsn()::text"))
    if replayed is None:  # not in recovery: it is not a replica (a misconfiguration to show)
        raise RuntimeError("PORTICO_DATABASE_READ_URL is not a replica (not in recovery)")
    async with database.connect() as connection:
        lag = await connection.scalar(
            text(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), CAST(CAST(:lsn AS TEXT) AS pg_lsn))"
            ),
            {"lsn": replayed},
        )
    return max(int(lag or 0), 0)


# [adapter:postgresql end]
