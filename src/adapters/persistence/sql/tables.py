"""The SQL schema, as SQLAlchemy Core tables. migrations/ must agree with it (a test checks)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
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
