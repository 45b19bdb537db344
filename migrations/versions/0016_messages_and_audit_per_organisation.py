"""messaging and audit: outbox rows and audit entries name their organisation (issue 17)

Existing audit entries go to the single tenant, Tenant.SINGLE_ID (the nil UUID), as migration
0014 put existing products there. An outbox row not yet sent takes the organisation its payload
names (catalog events have carried `organisation_id` since 0014), so the relay publishes it
within its tenant; any other row is the single tenant's. The audit log's keyset index leads
with the organisation, as a tenant lists only its own entries.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

import json
from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tenant.SINGLE_ID, written out: a migration must not change when the code does.
SINGLE_TENANT = UUID("00000000-0000-0000-0000-000000000000")
outbox = sa.table(
    "outbox",
    sa.column("position", sa.BigInteger()),
    sa.column("payload", sa.Text()),
    sa.column("sent_at", sa.DateTime()),
    sa.column("organisation_id", sa.Uuid()),
)
audit_log = sa.table("audit_log", sa.column("organisation_id", sa.Uuid()))


def upgrade() -> None:
    for table in ("outbox", "audit_log"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
    # Typed by the column, so each engine stores the UUID its own way (CHAR(32) or native).
    op.execute(outbox.update().values(organisation_id=SINGLE_TENANT))
    op.execute(audit_log.update().values(organisation_id=SINGLE_TENANT))
    connection = op.get_bind()
    pending = connection.execute(
        sa.select(outbox.c.position, outbox.c.payload).where(outbox.c.sent_at.is_(None))
    )
    for position, payload in pending.all():
        organisation = _organisation(payload)
        if organisation is not None:
            connection.execute(
                outbox.update()
                .where(outbox.c.position == position)
                .values(organisation_id=organisation)
            )
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Uuid(), nullable=False)
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_index(op.f("ix_audit_log_occurred_at_event_id"))
        batch.create_index(
            op.f("ix_audit_log_organisation_id_occurred_at_event_id"),
            ["organisation_id", "occurred_at", "event_id"],
        )


def _organisation(payload: str) -> UUID | None:
    try:
        found = json.loads(payload).get("organisation_id")
        return None if found is None else UUID(found)
    except (ValueError, TypeError, AttributeError):
        return None


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index(op.f("ix_audit_log_organisation_id_occurred_at_event_id"))
        batch.create_index(op.f("ix_audit_log_occurred_at_event_id"), ["occurred_at", "event_id"])
        batch.drop_column("organisation_id")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("organisation_id")
