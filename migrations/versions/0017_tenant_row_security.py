"""tenants: PostgreSQL row-level security on the tenant tables (issue 17), a second guard

Each tenant table gets a policy that shows, and accepts, only the rows of the tenant the session
entered (`portico.tenant`, set transaction-locally by the application before its statements), or
every row for a session that says `*`; ENABLE and FORCE (its owner obeys it too). A setting
decides how the application's sessions start: off (the default) in `*`, as before this
migration; on, in no tenant (docs/tenancy.md). Nothing on other engines.
Superusers and roles with BYPASSRLS are never filtered.

The list and the condition are written out (adapters/persistence/sql/row_security.py has the
same: a migration must not change when the code does; tests/migrations checks they agree).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Named apart from other revisions' constants: tools/adapters.py squashes them into one module.
ROW_SECURITY_TABLES = ("products",)
ROW_SECURITY_CONDITION = (
    "current_setting('portico.tenant', true) = '*' "
    "OR organisation_id::text = current_setting('portico.tenant', true)"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in ROW_SECURITY_TABLES:
            if not sa.inspect(bind).has_table(table):  # a fork removed its context
                continue
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({ROW_SECURITY_CONDITION})"
            )
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in ROW_SECURITY_TABLES:
            if not sa.inspect(bind).has_table(table):  # a fork removed its context
                continue
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
            op.execute(f"DROP POLICY tenant_isolation ON {table}")
