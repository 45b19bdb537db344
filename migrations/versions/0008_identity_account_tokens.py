"""identity: mailed account tokens (email verification, password reset) and verified emails

Accounts made before verification existed count as verified (their `created_at`): a deployment
that turns PORTICO_UNVERIFIED_SIGN_IN off does not lock its existing users out.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sql.types import UtcDateTime

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_account_tokens_digest")),
    )
    op.create_index(op.f("ix_account_tokens_expires_at"), "account_tokens", ["expires_at"])
    op.create_index(
        op.f("ix_account_tokens_user_id_purpose"), "account_tokens", ["user_id", "purpose"]
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", UtcDateTime(), nullable=True))
    users = sa.table("users", sa.column("email_verified_at"), sa.column("created_at"))
    op.execute(users.update().values(email_verified_at=users.c.created_at))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("email_verified_at")
    op.drop_table("account_tokens")  # its indexes go with it (MariaDB refuses to drop the one its
    # foreign key uses first)
