"""The identity context's SQL tables, on the shared metadata (migrations/ must agree)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from adapters.persistence.sql.tables import metadata
from adapters.persistence.sql.types import UtcDateTime

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
    Column("email_verified_at", UtcDateTime(), nullable=True),
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
    Column("expires_at", UtcDateTime(), nullable=False, index=True),  # housekeeping purges
    Column("used_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", Uuid(), primary_key=True),  # the refresh-token family's id
    Column(
        "user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("user_agent", String(256), nullable=False),
    Column("client_address", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False, index=True),  # housekeeping purges
    # AccessRevocations polls for recent revocations.
    Column("revoked_at", UtcDateTime(), nullable=True, index=True),
)

account_tokens = Table(
    "account_tokens",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # verify-email | reset-password
    Column("purpose", String(20), nullable=False),
    # SHA-256 of the mailed token, hex: the token itself is never stored.
    Column("digest", String(64), nullable=False, unique=True),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False, index=True),  # housekeeping purges
    Column("used_at", UtcDateTime(), nullable=True),
    Index(None, "user_id", "purpose"),
)

# One second factor (TOTP) per account at most.
second_factors = Table(
    "second_factors",
    metadata,
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # The TOTP secret sealed with AES-GCM (PORTICO_MFA_SECRET_KEY): never stored in the clear.
    Column("sealed_secret", String(255), nullable=False),
    Column("active", Boolean(), nullable=False),
    Column("last_step", BigInteger(), nullable=True),  # the last accepted code's time-step
    # The unused recovery codes' keyed digests (hex), comma-separated: ten of 64 characters.
    Column("recovery_digests", String(700), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# A provider's account (social sign-in) linked to a local one.
linked_identities = Table(
    "linked_identities",
    metadata,
    # The provider's name (as configured) and its id for the person: one link each.
    Column("provider", String(40), primary_key=True),
    Column("subject", String(255), primary_key=True),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(254), nullable=False),
    Column("linked_at", UtcDateTime(), nullable=False),
    UniqueConstraint("user_id", "provider"),  # one account per provider and user
)

# -- ordering: the event store ---------------------------------------------------------------
