"""The SQL schema, as SQLAlchemy Core tables. migrations/ must agree with it (a test checks)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
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
