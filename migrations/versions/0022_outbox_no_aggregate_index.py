"""messaging: the outbox's aggregate index goes (an entry per event, and no scan used it)

`ix_outbox_aggregate_id_position` served the relay's order check (an aggregate's earlier pending
row held by another relay holds its later rows back). The check now reads the pending rows below
the claimed batch's last position once, by `ix_outbox_sent_at_position` (PostgreSQL: hashing their
aggregates in the claim's statement; MariaDB and SQLite: filtering them by the batch's
aggregates), which is what PostgreSQL's planner already chose over the aggregate index: it had
no scan in W3 (bench/README.md, "Session 18: the outbox's aggregate index"). Those rows are the
batches other relays hold and rows not yet vacuumed, few whatever the backlog. Each create wrote
an entry in it.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_outbox_aggregate_id_position"), table_name="outbox")


def downgrade() -> None:
    op.create_index(op.f("ix_outbox_aggregate_id_position"), "outbox", ["aggregate_id", "position"])
