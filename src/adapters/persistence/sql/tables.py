"""The platform's SQL tables (event store, projections' positions, idempotency keys, outbox,
inbox) and the metadata every context's tables.py adds to. migrations/ must agree with all of
them (a test checks, through adapters.persistence.schema.full_metadata)."""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    event,
)

from adapters.persistence.sql.types import AutoPosition, UtcDateTime

# Named constraints make migrations portable and let errors be told apart by name.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


# Every event of every stream. On PostgreSQL `position` comes from the sequence
# event_store_positions (gaps allowed) and `transaction_id` is the appending transaction's id, so
# readers follow (transaction_id, position) up to the snapshot's xmin; elsewhere `position` is
# handed out from event_store_head under its row lock and `transaction_id` stays 0 (rows from
# before migration 0013 keep 0 too). See adapters/persistence/sql/event_store.py.
event_store_events = Table(
    "event_store_events",
    metadata,
    Column("position", BigInteger(), primary_key=True, autoincrement=False),
    Column("stream_id", String(100), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("event_id", Uuid(), nullable=False, unique=True),
    Column("type", String(100), nullable=False),
    Column("schema_version", Integer(), nullable=False),
    Column("payload", Text(), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("transaction_id", BigInteger(), nullable=False, server_default="0"),
    # Optimistic concurrency: two appends at one expected version cannot both insert.
    UniqueConstraint("stream_id", "version"),
    # The global read order on PostgreSQL.
    Index(None, "transaction_id", "position"),
)
# [adapter:postgresql begin]
# metadata.create_all (tests, benchmarks) makes the sequence as the migration does.
event.listen(
    event_store_events,
    "after_create",
    DDL("CREATE SEQUENCE event_store_positions").execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)
event.listen(
    event_store_events,
    "after_drop",
    DDL("DROP SEQUENCE IF EXISTS event_store_positions").execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)
# [adapter:postgresql end]

# One row (id 1): the last position handed out. Locking it serialises appends in commit order
# (SQLite, MariaDB; PostgreSQL uses it no more).
event_store_head = Table(
    "event_store_head",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=False),
    Column("position", BigInteger(), nullable=False),
)
# metadata.create_all (tests, benchmarks) seeds the row as the migration does.
event.listen(
    event_store_head,
    "after_create",
    DDL("INSERT INTO event_store_head (id, position) VALUES (1, 0)"),  # type: ignore[no-untyped-call]
)

# -- ordering: projections (read models) -----------------------------------------------------

# Where each projection is in the event store, and which generation of its rows is live.

# A rebuild writes generation + 1 beside the live rows and swaps by bumping `generation`.

projection_state = Table(
    "projection_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("generation", Integer(), nullable=False),
    Column("position", BigInteger(), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    # NULL while the first request is being processed; then its answer, as JSON.
    Column("response", Text(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "created_at"),
)

# Integration events committed with their state change, waiting for a relay (docs/messaging.md).
outbox = Table(
    "outbox",
    metadata,
    Column("position", AutoPosition, primary_key=True, autoincrement=True),
    # Not unique (migration 0020): each id is a UUIDv7 made once per event (74 random bits a
    # millisecond), rows go once sent, and what an id dedupes is downstream: a row sent twice is
    # the relay's at-least-once, which the bus's Nats-Msg-Id and each consumer's inbox absorb.
    # A unique index cost an entry per create.
    Column("event_id", Uuid(), nullable=False),
    Column("type", String(100), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("aggregate_id", Uuid(), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("correlation_id", String(128), nullable=True),
    Column("causation_id", String(128), nullable=True),
    Column("actor", String(200), nullable=True),
    Column("payload", Text(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    # The W3C trace context of the commit, so the consumer's span joins the request's trace.
    Column("traceparent", String(64), nullable=True),
    # The tenant the event belongs to (rows from before migration 0016: the single tenant).
    Column("organisation_id", Uuid(), nullable=False),
    # Relays read pending rows in order, and their order check reads the pending rows below a
    # batch by the same index (no index on aggregate_id: migration 0022).
    Index(None, "sent_at", "position"),
)

# The inbox: which events each consumer already applied (written with the consumer's effect).

processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(64), nullable=False),
    Column("event_id", Uuid(), nullable=False),
    Column("processed_at", UtcDateTime(), nullable=False),
    # Housekeeping walks this key, not an index on processed_at (one entry less per record;
    # migration 0020): event ids are UUIDv7, time first (SqlInboxRecords.forget).
    PrimaryKeyConstraint("consumer", "event_id"),
)

# Who runs a job that must run in one process at a time (housekeeping), and until when.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# The audit log of catalog changes. event_id is deliberately not unique: the inbox is what makes

# an entry appear once, and the tests check that it does.
