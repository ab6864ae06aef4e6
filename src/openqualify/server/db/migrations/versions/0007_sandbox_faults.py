"""sandbox fault rules: the faults and latency /_sandbox/faults injects, shared by every worker

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import openqualify.server.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_fault_rules",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", openqualify.server.db.types.UTCDateTime(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_sandbox_fault_rules_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_fault_rules")),
    )
    with op.batch_alter_table("sandbox_fault_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_fault_rules_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sandbox_fault_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_fault_rules_org_id"))
    op.drop_table("sandbox_fault_rules")
