"""a budget line may be for part of its financial year

Revision ID: 0013
Revises: 0012

Issue 19: a post filled from September, or traded income from a launch, is
budgeted for those days; the budget report spreads the line's budget over them
instead of the whole year (billing.budgets.line_period). Two nullable columns:
NULL is the whole year, as every line made before this one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('budget_lines', sa.Column('starts_on', sa.Date(), nullable=True))
    op.add_column('budget_lines', sa.Column('ends_on', sa.Date(), nullable=True))


def downgrade() -> None:
    held = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM budget_lines WHERE starts_on IS NOT NULL OR ends_on IS NOT NULL")).scalar()
    if held:
        raise RuntimeError(f"cannot downgrade: {held} budget line(s) cover part of a year, "
                           "which revision 0012 has nowhere to keep")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0012 drops its columns.
    op.drop_column('budget_lines', 'ends_on')
    op.drop_column('budget_lines', 'starts_on')
