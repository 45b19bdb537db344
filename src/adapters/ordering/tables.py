"""The ordering context's SQL tables, on the shared metadata (migrations/ must agree)."""

from __future__ import annotations

from sqlalchemy import (
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

order_summaries = Table(
    "order_summaries",
    metadata,
    Column("generation", Integer(), primary_key=True, autoincrement=False),
    Column("order_id", Uuid(), primary_key=True),
    # The order's organisation (docs/tenancy.md): every read filters by it.
    Column("organisation_id", Uuid(), nullable=False),
    Column("customer_id", Uuid(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_amount", Numeric(12, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("item_count", Integer(), nullable=False),
    Column("placed_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer(), nullable=False),
    # Lists, within an organisation: one customer's orders, or every order by status, newest
    # first (led by the organisation, which every list names).
    Index(None, "organisation_id", "generation", "customer_id", "placed_at"),
    Index(None, "organisation_id", "generation", "status", "placed_at"),
    # A person's orders in every organisation, newest first: the personal-data export
    # (page_of_customer; migration 0019).
    Index(None, "generation", "customer_id", "placed_at"),
)

order_details = Table(
    "order_details",
    metadata,
    Column("generation", Integer(), primary_key=True, autoincrement=False),
    Column("order_id", Uuid(), primary_key=True),
    Column("organisation_id", Uuid(), nullable=False),  # a read of another's order finds none
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
