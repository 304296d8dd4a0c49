"""an invoice keeps every purchase-order number in full

Revision ID: 0005
Revises: 0004

``invoices.po_number`` held the invoice's purchase-order numbers joined and cut
at 40 characters, so a VAT invoice could carry a truncated PO number. It
becomes TEXT. On SQLite a column's type cannot be changed in place, and
rebuilding ``invoices`` (which lines, allocations, charges and credit notes
reference) would trip its foreign keys, so a TEXT column is added, filled,
the old one dropped and the new one renamed: native ALTERs, no rebuild.
Invoices issued before this were cut when they were issued and are not
rewritten: an issued invoice never changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE invoices ADD COLUMN po_number_whole TEXT")
        op.execute("UPDATE invoices SET po_number_whole = po_number")
        op.execute("ALTER TABLE invoices DROP COLUMN po_number")
        op.execute("ALTER TABLE invoices RENAME COLUMN po_number_whole TO po_number")
    else:
        op.alter_column("invoices", "po_number", existing_type=sa.String(length=40), type_=sa.Text(),
                        existing_nullable=True)


def downgrade() -> None:
    longest = op.get_bind().execute(sa.text("SELECT MAX(LENGTH(po_number)) FROM invoices")).scalar()
    if longest is not None and longest > 40:
        raise RuntimeError(f"cannot downgrade: an invoice carries {longest} characters of PO numbers (40 fit)")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE invoices ADD COLUMN po_number_cut VARCHAR(40)")
        op.execute("UPDATE invoices SET po_number_cut = po_number")
        op.execute("ALTER TABLE invoices DROP COLUMN po_number")
        op.execute("ALTER TABLE invoices RENAME COLUMN po_number_cut TO po_number")
    else:
        op.alter_column("invoices", "po_number", existing_type=sa.Text(), type_=sa.String(length=40),
                        existing_nullable=True)
