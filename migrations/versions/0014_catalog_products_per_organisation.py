"""catalog: each product belongs to an organisation (issue 17, items 3 and 6)

Existing products go to the single tenant, Tenant.SINGLE_ID (the nil UUID): the tenant every
request acts within with tenancy off, so a deployment that upgrades sees its catalog unchanged.
No row is made for it in `organisations` (docs/tenancy.md says why, and how to move these
products into a real organisation). A sku becomes unique per organisation, and the list's
keyset index leads with the organisation.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tenant.SINGLE_ID, written out: a migration must not change when the code does.
SINGLE_TENANT = UUID("00000000-0000-0000-0000-000000000000")
products = sa.table("products", sa.column("organisation_id", sa.Uuid()))


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
    # Typed by the column, so each engine stores the UUID its own way (CHAR(32) or native).
    op.execute(products.update().values(organisation_id=SINGLE_TENANT))
    with op.batch_alter_table("products") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_constraint(op.f("uq_products_sku"), type_="unique")
        batch.create_unique_constraint(
            op.f("uq_products_organisation_id_sku"), ["organisation_id", "sku"]
        )
        batch.drop_index(op.f("ix_products_created_at_id"))
        batch.create_index(
            op.f("ix_products_organisation_id_created_at_id"),
            ["organisation_id", "created_at", "id"],
        )


def downgrade() -> None:
    # Fails if two organisations hold the same sku: one catalog cannot hold both.
    with op.batch_alter_table("products") as batch:
        batch.drop_index(op.f("ix_products_organisation_id_created_at_id"))
        batch.create_index(op.f("ix_products_created_at_id"), ["created_at", "id"])
        batch.drop_constraint(op.f("uq_products_organisation_id_sku"), type_="unique")
        batch.create_unique_constraint(op.f("uq_products_sku"), ["sku"])
        batch.drop_column("organisation_id")
