"""The audit context's SQL tables, on the shared metadata (migrations/ must agree)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    String,
    Table,
    Uuid,
)

from adapters.persistence.sql.tables import metadata
from adapters.persistence.sql.types import AutoPosition, UtcDateTime

audit_log = Table(
    "audit_log",
    metadata,
    Column("position", AutoPosition, primary_key=True, autoincrement=True),
    Column("event_id", Uuid(), nullable=False),
    Column("type", String(100), nullable=False),
    Column("aggregate_id", Uuid(), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=True),
    # Whose change (entries from before migration 0016: the single tenant).
    Column("organisation_id", Uuid(), nullable=False),
    # A tenant's pages are read newest first by (occurred_at, event_id). Unique: an entry is
    # its own inbox record (a redelivered event repeats its id, tenant and time, so its entry
    # is refused), and the audit consumer writes no processed_events row (migration 0021).
    Index(None, "organisation_id", "occurred_at", "event_id", unique=True),
)
