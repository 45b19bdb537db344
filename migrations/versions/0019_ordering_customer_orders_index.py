"""ordering: the personal-data export finds a customer's orders by index again

Migration 0015 led the order summaries' list indexes with the organisation, which every list
within a tenant names. The personal-data export (`page_of_customer`) reads one person's orders
in every organisation, so names none: without an index of its own it read every summary of the
live generation (PostgreSQL a sequential scan, MariaDB the whole generation by primary key, both
then sorting). It gets back the index it had before 0015, by generation and customer, newest
first.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Each statement names its table, as tools/contexts.py prunes a removed context's tables (this
# revision goes with the ordering context).
def upgrade() -> None:
    op.create_index(
        op.f("ix_order_summaries_generation_customer_id_placed_at"),
        "order_summaries",
        ["generation", "customer_id", "placed_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_order_summaries_generation_customer_id_placed_at"), table_name="order_summaries"
    )
