"""The SQL schema, as SQLAlchemy Core tables. migrations/ must agree with it (a test checks)."""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    event,
)

from adapters.persistence.sql.types import UtcDateTime

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

products = Table(
    "products",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("sku", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text(), nullable=False),
    Column("price_amount", Numeric(12, 2), nullable=False),
    Column("price_currency", String(3), nullable=False),
    Column("stock", Integer(), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint("stock >= 0", name="stock_not_negative"),
    CheckConstraint("price_amount >= 0", name="price_not_negative"),
    # Keyset pagination reads in this order.
    Index(None, "created_at", "id"),
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    # Role names, sorted and comma-separated: three roles do not need a join table.
    Column("roles", String(100), nullable=False),
    Column("active", Boolean(), nullable=False),
    Column("access_version", Integer(), nullable=False),
    Column("access_changed_at", UtcDateTime(), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "created_at", "id"),
    # AccessRevocations polls for recent access changes.
    Index(None, "access_changed_at"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("family_id", Uuid(), nullable=False, index=True),
    Column(
        "user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    # SHA-256 of the token, hex: the token itself is never stored.
    Column("digest", String(64), nullable=False, unique=True),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

# -- ordering: the event store ---------------------------------------------------------------

# Every event of every stream. `position` is handed out from event_store_head under its row
# lock, so positions grow in commit order (see adapters/persistence/sql/event_store.py).
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
    # Optimistic concurrency: two appends at one expected version cannot both insert.
    UniqueConstraint("stream_id", "version"),
)

# One row (id 1): the last position handed out. Locking it serialises appends in commit order.
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

order_summaries = Table(
    "order_summaries",
    metadata,
    Column("generation", Integer(), primary_key=True, autoincrement=False),
    Column("order_id", Uuid(), primary_key=True),
    Column("customer_id", Uuid(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_amount", Numeric(12, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("item_count", Integer(), nullable=False),
    Column("placed_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer(), nullable=False),
    # Lists: one customer's orders, or every order by status, newest first.
    Index(None, "generation", "customer_id", "placed_at"),
    Index(None, "generation", "status", "placed_at"),
)

order_details = Table(
    "order_details",
    metadata,
    Column("generation", Integer(), primary_key=True, autoincrement=False),
    Column("order_id", Uuid(), primary_key=True),
    Column("customer_id", Uuid(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_amount", Numeric(12, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lines", Text(), nullable=False),
    Column("payment_attempts", Integer(), nullable=False),
    Column("payment_reference", String(100), nullable=True),
    Column("last_payment_failure", String(200), nullable=True),
    Column("cancel_reason", String(200), nullable=True),
    Column("refund_reference", String(100), nullable=True),
    Column("placed_at", UtcDateTime(), nullable=False),
    Column("paid_at", UtcDateTime(), nullable=True),
    Column("shipped_at", UtcDateTime(), nullable=True),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("refunded_at", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer(), nullable=False),
)

# -- idempotency keys (POST /orders and any other command retried by clients) -------------------

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

# SQLite autoincrements only an INTEGER PRIMARY KEY.
_Position = BigInteger().with_variant(Integer(), "sqlite")

# Integration events committed with their state change, waiting for a relay (docs/messaging.md).
outbox = Table(
    "outbox",
    metadata,
    Column("position", _Position, primary_key=True, autoincrement=True),
    Column("event_id", Uuid(), nullable=False, unique=True),
    Column("type", String(100), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("aggregate_id", Uuid(), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("correlation_id", String(128), nullable=True),
    Column("causation_id", String(128), nullable=True),
    Column("actor", String(200), nullable=True),
    Column("payload", Text(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    # Relays read pending rows in order; the order check looks rows up by aggregate.
    Index(None, "sent_at", "position"),
    Index(None, "aggregate_id", "position"),
)

# The inbox: which events each consumer already applied (written with the consumer's effect).
processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(64), nullable=False),
    Column("event_id", Uuid(), nullable=False),
    Column("processed_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
)

# The audit log of catalog changes. event_id is deliberately not unique: the inbox is what makes
# an entry appear once, and the tests check that it does.
audit_log = Table(
    "audit_log",
    metadata,
    Column("position", _Position, primary_key=True, autoincrement=True),
    Column("event_id", Uuid(), nullable=False),
    Column("type", String(100), nullable=False),
    Column("aggregate_id", Uuid(), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=True),
    # Pages are read newest first by (occurred_at, event_id).
    Index(None, "occurred_at", "event_id"),
)
