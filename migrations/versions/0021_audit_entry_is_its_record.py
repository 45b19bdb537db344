"""audit: an entry is its event's record, keyed by (organisation_id, occurred_at, event_id)

The audit consumer wrote an inbox record (`processed_events`) beside each entry, and each entry
took a `position` from a sequence with its own primary key index beside the listing's index
`(organisation_id, occurred_at, event_id)`: two rows and three index entries per event. That
index becomes the primary key, nothing read `position`, and the consumer writes no inbox
record (the ones it wrote go with the inbox's purge): a redelivered event repeats its id,
tenant and time, so the key refuses its entry. One row and one index entry per event. The
upgrade fails if an event has two entries, which the inbox never let happen.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_audit_log_organisation_id_occurred_at_event_id"
_KEY = ["organisation_id", "occurred_at", "event_id"]


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:  # SQLite: the table is copied
        batch.drop_index(op.f(_INDEX))
        batch.drop_column("position")  # its primary key with it (and PostgreSQL's sequence)
        batch.create_primary_key(op.f("pk_audit_log"), _KEY)


def downgrade() -> None:
    # The entries applied meanwhile have no inbox record: a redelivery of one within the
    # retention would be logged twice after the downgrade. Positions are given in key order.
    engine = op.get_bind().dialect.name
    if engine == "sqlite":
        with op.batch_alter_table("audit_log", recreate="always") as batch:
            batch.drop_constraint(op.f("pk_audit_log"), type_="primary")
            batch.add_column(sa.Column("position", sa.Integer(), nullable=True))
        op.execute("UPDATE audit_log SET position = rowid")
        with op.batch_alter_table("audit_log", recreate="always") as batch:
            batch.alter_column("position", existing_type=sa.Integer(), nullable=False)
            batch.create_primary_key(op.f("pk_audit_log"), ["position"])
    elif engine == "postgresql":
        op.execute("ALTER TABLE audit_log DROP CONSTRAINT pk_audit_log")
        op.execute("ALTER TABLE audit_log ADD COLUMN position BIGSERIAL")
        op.execute("ALTER TABLE audit_log ADD CONSTRAINT pk_audit_log PRIMARY KEY (position)")
    else:
        op.execute(
            "ALTER TABLE audit_log DROP PRIMARY KEY,"
            " ADD COLUMN position BIGINT NOT NULL AUTO_INCREMENT FIRST, ADD PRIMARY KEY (position)"
        )
    op.create_index(op.f(_INDEX), "audit_log", _KEY)
