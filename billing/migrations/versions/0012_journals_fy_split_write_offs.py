"""journal settlement for maintained schools, the fy-split schedule and write-offs

Revision ID: 0012
Revises: 0011

Issue 20. A maintained school may opt out of settlement by journal
(schools.journal_opt_out). A document's purpose tells a sale invoice or credit
note ("standard") from a journal recharge ("recharge") and a bad-debt write-off
("write_off", with who approved it). A journal transfer settles a recharge as a
payment whose method is "journal"; a subscription may be billed "fy-split" (in
the school's own financial years); an opted-out school's admin charge is a charge
of its own kind. SQLite cannot alter a CHECK constraint in place, so the tables
whose constraints change are copied (batch mode); the charges table's partial
indexes are dropped first and made again after, as 0002 made them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# Written out rather than imported from the models: a migration must not change when they do.
CHARGE_REFERENCES = ("subscription_id", "order_id", "case_id", "session_id", "late_invoice_id")
KINDS_BEFORE = "kind IN ('subscription_fee','casework','order','no_show','settlement','interest')"
KINDS_AFTER = "kind IN ('subscription_fee','casework','order','no_show','settlement','interest','admin_charge')"
METHODS_BEFORE = "method IN ('bacs','cheque','card')"
METHODS_AFTER = "method IN ('bacs','cheque','card','journal')"
SCHEDULES_BEFORE = "schedule IN ('annual','termly')"
SCHEDULES_AFTER = "schedule IN ('annual','termly','fy-split')"


def _check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table, recreate="auto") as batch:
        batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)


def _charge_indexes(create: bool) -> None:
    for column in CHARGE_REFERENCES:
        name = f"ix_charges_{column}"
        if create:
            where = sa.text(f"{column} IS NOT NULL")
            op.create_index(name, "charges", [column], sqlite_where=where, postgresql_where=where)
        else:
            op.drop_index(name, table_name="charges")


def upgrade() -> None:
    op.add_column('schools', sa.Column('journal_opt_out', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('invoices', sa.Column('purpose', sa.String(length=12), nullable=False,
                                        server_default='standard'))
    op.add_column('invoices', sa.Column('approved_by', sa.String(length=120), nullable=True))
    _check("payments", "method", METHODS_AFTER)
    _check("subscriptions", "schedule", SCHEDULES_AFTER)
    _charge_indexes(create=False)
    _check("charges", "kind", KINDS_AFTER)
    _charge_indexes(create=True)


def downgrade() -> None:
    _charge_indexes(create=False)
    _check("charges", "kind", KINDS_BEFORE)
    _charge_indexes(create=True)
    _check("subscriptions", "schedule", SCHEDULES_BEFORE)
    _check("payments", "method", METHODS_BEFORE)
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): copying invoices would lose its partial index.
    op.drop_column('invoices', 'approved_by')
    op.drop_column('invoices', 'purpose')
    op.drop_column('schools', 'journal_opt_out')
