"""tenants: row-level security on every tenant table, beyond products (issue 17, item 3)

The order projections (order_summaries, order_details: migration 0015), the audit log and the
outbox (0016) name their organisation too; each gets the policy migration 0017 gave products,
ENABLE and FORCE. The application enters a tenant before it touches them: a request its own,
the projector, the audit consumer and the relay theirs or every tenant's, on purpose
(docs/tenancy.md). Nothing on other engines. A table a fork removed with its context
(tools/contexts.py) is left out.

The list and the condition are written out (adapters/persistence/sql/row_security.py has the
same: a migration must not change when the code does; tests/migrations checks they agree).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Named apart from other revisions' constants: tools/adapters.py squashes them into one module.
ROW_SECURITY_MORE_TABLES = ("order_summaries", "order_details", "audit_log", "outbox")
ROW_SECURITY_MORE_CONDITION = (
    "current_setting('portico.tenant', true) = '*' "
    "OR organisation_id::text = current_setting('portico.tenant', true)"
)


def _present() -> list[str]:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return []
    inspector = sa.inspect(bind)
    return [table for table in ROW_SECURITY_MORE_TABLES if inspector.has_table(table)]


def upgrade() -> None:
    for table in _present():
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({ROW_SECURITY_MORE_CONDITION})"
        )
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    for table in _present():
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"DROP POLICY tenant_isolation ON {table}")
