"""The organisations context's SQL tables, on the shared metadata (migrations/ must agree).

Members and invitations name users by id only: no foreign key into identity's tables, so either
context can be removed without the other's schema changing.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Uuid

from adapters.persistence.sql.tables import metadata
from adapters.persistence.sql.types import UtcDateTime

organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Keyset pagination reads in this order.
    Index(None, "created_at", "id"),
)

organisation_members = Table(
    "organisation_members",
    metadata,
    Column(
        "organisation_id",
        Uuid(),
        ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Uuid(), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("joined_at", UtcDateTime(), nullable=False),
    # "The organisations I belong to".
    Index(None, "user_id"),
)

organisation_invitations = Table(
    "organisation_invitations",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "organisation_id",
        Uuid(),
        ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("email", String(254), nullable=False),
    Column("role", String(20), nullable=False),
    Column("invited_by", Uuid(), nullable=False),
    Column("status", String(20), nullable=False),
    # SHA-256 of the mailed token, hex; NULL before the mail and once answered or revoked.
    Column("digest", String(64), nullable=True, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer(), nullable=False),
    Index(None, "organisation_id", "status", "created_at", "id"),
)
