"""The audit context's SQL tables, on the shared metadata (migrations/ must agree)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
)

from adapters.persistence.sql.tables import metadata
from adapters.persistence.sql.types import UtcDateTime

audit_log = Table(
    "audit_log",
    metadata,
    Column("event_id", Uuid(), nullable=False),
    Column("type", String(100), nullable=False),
    Column("aggregate_id", Uuid(), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=True),
    # Whose change (entries from before migration 0016: the single tenant).
    Column("organisation_id", Uuid(), nullable=False),
    # A tenant's pages are read newest first by (occurred_at, event_id), on the key. Each entry
    # is its own inbox record: a redelivered event repeats its id, tenant and time, so the key
    # refuses its second entry, and the audit consumer writes no processed_events row. The one
    # index a row takes (migration 0021: no position and its index, no inbox row).
    PrimaryKeyConstraint("organisation_id", "occurred_at", "event_id"),
)
