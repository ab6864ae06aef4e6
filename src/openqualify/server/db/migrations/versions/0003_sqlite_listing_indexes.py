"""Covering indexes for the whole-offering lists, on SQLite only (`db.base.sqlite_listing`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 08:12:07.432048
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index, columns): the models declare them with `ddl_if(dialect="sqlite")`.
INDEXES = [
    ('assessment_marks', 'ix_assessment_marks_listing',
     ['submission_id', 'created_at', 'id', 'org_id', 'mark', 'feedback', 'updated_at', 'by_facilitator', 'by_marker',
      'by_evaluator', 'marker_user_id']),
    ('assessment_submissions', 'ix_assessment_submissions_listing',
     ['offering_id', 'assessment_id', 'status', 'org_id', 'user_id', 'id', 'submitted_at']),
    ('learner_progress', 'ix_learner_progress_listing', ['offering_id', 'user_id', 'org_id', 'completion']),
    ('memberships', 'ix_memberships_listing',
     ['offering_id', 'is_facilitator', 'is_marker', 'org_id', 'user_id', 'last_logged_in_at']),
    ('users', 'ix_users_listing', ['id', 'org_id', 'email_key', 'email', 'first_name', 'last_name', 'person_id']),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
