"""event store: appends that do not wait for each other on PostgreSQL

Each event keeps its transaction's id (`transaction_id`, 0 for the events already stored and on
SQLite and MariaDB) and the global read order becomes (transaction_id, position), indexed. On
PostgreSQL positions now come from the sequence event_store_positions, started after the head;
event_store_head stays for SQLite and MariaDB. Existing events keep their positions and order,
so projections resume where they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "event_store_events",
        sa.Column("transaction_id", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_index(
        op.f("ix_event_store_events_transaction_id_position"),
        "event_store_events",
        ["transaction_id", "position"],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE event_store_positions")
        # The next position follows every one handed out so far (setval needs at least 1).
        op.execute(
            "SELECT setval('event_store_positions', position + 1, false)"
            " FROM event_store_head WHERE id = 1"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The head row goes back to the last position handed out, for the lock-based appends.
        op.execute(
            "UPDATE event_store_head SET position ="
            " (SELECT coalesce(max(position), 0) FROM event_store_events) WHERE id = 1"
        )
        op.execute("DROP SEQUENCE event_store_positions")
    op.drop_index(
        op.f("ix_event_store_events_transaction_id_position"), table_name="event_store_events"
    )
    op.drop_column("event_store_events", "transaction_id")
