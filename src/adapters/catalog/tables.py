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
    UniqueConstraint,
    Uuid,
)

from adapters.persistence.sql.tables import metadata
from adapters.persistence.sql.types import UtcDateTime

products = Table(
    "products",
    metadata,
    Column("id", Uuid(), primary_key=True),
    # The tenant (docs/tenancy.md); no foreign key: the catalog does not depend on the
    # organisations context, and the single tenant (the nil UUID) has no row there.
    Column("organisation_id", Uuid(), nullable=False),
    Column("sku", String(32), nullable=False),
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
    # A sku is unique within its tenant; its name holds "sku" (how a duplicate is told apart).
    UniqueConstraint("organisation_id", "sku"),
    # Keyset pagination reads one tenant's products in this order.
    Index(None, "organisation_id", "created_at", "id"),
)
