"""messaging: the inbox's age index and the outbox's unique event id go (an entry each per event)

Each record of the inbox took an entry in `ix_processed_events_processed_at`, read only by the
hourly purge; the purge now walks the primary key per consumer, as event ids are UUIDv7 and lead
with their time (SqlInboxRecords.forget). Each outbox row took an entry in `uq_outbox_event_id`,
which only compared an id made once in process with the rows not yet sent; a row sent twice is
what the relay's at-least-once delivery already allows, and the bus's Nats-Msg-Id and each
consumer's inbox absorb it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_processed_events_processed_at"), table_name="processed_events")
    with op.batch_alter_table("outbox") as batch:  # SQLite: the table is copied without it
        batch.drop_constraint(op.f("uq_outbox_event_id"), type_="unique")


def downgrade() -> None:
    # Fails if the outbox holds one event id twice (not made by Portico's ids).
    with op.batch_alter_table("outbox") as batch:
        batch.create_unique_constraint(op.f("uq_outbox_event_id"), ["event_id"])
    op.create_index(op.f("ix_processed_events_processed_at"), "processed_events", ["processed_at"])
