"""indexes on optional references cover only rows that have one

Revision ID: 0002
Revises: 0001

A full index on a mostly-NULL column (a charge's case, order or session; a
credit note's invoice) misleads SQLite's planner once statistics exist, and it
scans the table instead. The partial index serves every lookup by value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Written out rather than imported from the models: a migration must not change when they do.
OPTIONAL_REFERENCES = {
    "sessions": ("case_id", "order_id"),
    "charges": ("subscription_id", "order_id", "case_id", "session_id", "late_invoice_id"),
    "invoices": ("corrects_id",),
}


def upgrade() -> None:
    for table, columns in OPTIONAL_REFERENCES.items():
        for column in columns:
            name = f"ix_{table}_{column}"
            where = sa.text(f"{column} IS NOT NULL")
            # Databases made before 0001 gained the charge indexes on case, order and session lack them.
            op.drop_index(name, table_name=table, if_exists=True)
            op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for table, columns in OPTIONAL_REFERENCES.items():
        for column in columns:
            name = f"ix_{table}_{column}"
            op.drop_index(name, table_name=table)
            op.create_index(name, table, [column])
