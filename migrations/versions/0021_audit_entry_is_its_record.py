"""audit: an entry is its event's record (the listing's index becomes unique)

The audit consumer wrote an inbox record (`processed_events`) beside each entry: a row and a
key entry per event. The entry's own index, `(organisation_id, occurred_at, event_id)`, becomes
unique instead: a redelivered event repeats its id, tenant and time, so its entry is refused,
and the consumer writes no inbox record (the ones it wrote go with the inbox's purge). Creating
the index fails if an event has two entries, which the inbox never let happen.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_audit_log_organisation_id_occurred_at_event_id"
_COLUMNS = ["organisation_id", "occurred_at", "event_id"]


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index(op.f(_INDEX))
        batch.create_index(op.f(_INDEX), _COLUMNS, unique=True)


def downgrade() -> None:
    # The entries applied meanwhile have no inbox record: a redelivery of one within the
    # retention would be logged twice after the downgrade.
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index(op.f(_INDEX))
        batch.create_index(op.f(_INDEX), _COLUMNS)
