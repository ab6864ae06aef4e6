"""Foreign-key child columns get an index (issue 19.7): deleting a parent row (a user, an assessment, an offering)
checks or cascades into every table that refers to it; without an index on the referring column each check is a
scan of that whole table, across every organisation (a sandbox reset of 20,000 users took over a minute on SQLite
and held the process). Both databases.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:39:16.282934
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column): the models declare them with `index=True`; the name follows the naming convention.
COLUMNS = [
    ('activity_attempts', 'activity_id'),
    ('activity_attempts', 'feedback_user_id'),
    ('activity_attempts', 'user_id'),
    ('assessment_documents', 'offering_id'),
    ('assessment_due_overrides', 'assessment_id'),
    ('assessment_due_overrides', 'user_id'),
    ('assessment_group_members', 'user_id'),
    ('assessment_marks', 'marker_user_id'),
    ('assessment_settings', 'assessment_id'),
    ('assessment_submissions', 'assessment_id'),
    ('assessment_submissions', 'user_id'),
    ('channel_comments', 'moderator_user_id'),
    ('channel_comments', 'user_id'),
    ('channel_members', 'user_id'),
    ('channel_posts', 'moderator_user_id'),
    ('channel_posts', 'user_id'),
    ('marker_assignments', 'learner_user_id'),
    ('marker_assignments', 'marker_user_id'),
    ('page_progress', 'user_id'),
    ('quiz_attempts', 'assessment_id'),
    ('quiz_attempts', 'user_id'),
]


def upgrade() -> None:
    for table, column in COLUMNS:
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        op.drop_index(f'ix_{table}_{column}', table_name=table)
