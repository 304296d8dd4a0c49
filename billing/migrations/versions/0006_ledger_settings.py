"""settings of the ledger itself: a sandbox database may be written at any as-of date

Revision ID: 0006
Revises: 0005

A live ledger refuses documents dated after the real today (a slip of the
keyboard would leave an immutable invoice dated years ahead). Demo and test
databases are sandboxes, marked here when they are created.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billing.models.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_settings',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('set_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('set_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ledger_settings'))
    )


def downgrade() -> None:
    op.drop_table('ledger_settings')
