"""ordering: each order's read models name its organisation (issue 17, item 3)

The order projections get `organisation_id`, with every existing row in the single tenant,
Tenant.SINGLE_ID (the nil UUID): the events of those orders carry no organisation and decode
into it, so a rebuild of the projections agrees with what this migration writes. The list
indexes lead with the organisation, which every list names. The event store needs no column: an
order's organisation is in its OrderPlaced event, which every load of the order reads.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tenant.SINGLE_ID, written out: a migration must not change when the code does.
SINGLE_TENANT = UUID("00000000-0000-0000-0000-000000000000")
# One statement per table, each naming it, as tools/contexts.py prunes a removed context's tables.
order_summaries = sa.table("order_summaries", sa.column("organisation_id", sa.Uuid()))
order_details = sa.table("order_details", sa.column("organisation_id", sa.Uuid()))


def upgrade() -> None:
    with op.batch_alter_table("order_summaries") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
    with op.batch_alter_table("order_details") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
    # Typed by the column, so each engine stores the UUID its own way (CHAR(32) or native).
    op.execute(order_summaries.update().values(organisation_id=SINGLE_TENANT))
    op.execute(order_details.update().values(organisation_id=SINGLE_TENANT))
    with op.batch_alter_table("order_summaries") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_index(op.f("ix_order_summaries_generation_customer_id_placed_at"))
        batch.drop_index(op.f("ix_order_summaries_generation_status_placed_at"))
        batch.create_index(
            op.f("ix_order_summaries_organisation_id_generation_customer_id_placed_at"),
            ["organisation_id", "generation", "customer_id", "placed_at"],
        )
        batch.create_index(
            op.f("ix_order_summaries_organisation_id_generation_status_placed_at"),
            ["organisation_id", "generation", "status", "placed_at"],
        )
    with op.batch_alter_table("order_details") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Uuid(), nullable=False)


def downgrade() -> None:
    # Every organisation's orders end up in one list again.
    with op.batch_alter_table("order_details") as batch:
        batch.drop_column("organisation_id")
    with op.batch_alter_table("order_summaries") as batch:
        batch.drop_index(op.f("ix_order_summaries_organisation_id_generation_status_placed_at"))
        batch.drop_index(
            op.f("ix_order_summaries_organisation_id_generation_customer_id_placed_at")
        )
        batch.create_index(
            op.f("ix_order_summaries_generation_status_placed_at"),
            ["generation", "status", "placed_at"],
        )
        batch.create_index(
            op.f("ix_order_summaries_generation_customer_id_placed_at"),
            ["generation", "customer_id", "placed_at"],
        )
        batch.drop_column("organisation_id")
