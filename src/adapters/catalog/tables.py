"""The catalog context's SQL tables, on the shared metadata (migrations/ must agree)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
)

from adapters.persistence.sql.tables import metadata
from adapters.persistence.sql.types import UtcDateTime

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
