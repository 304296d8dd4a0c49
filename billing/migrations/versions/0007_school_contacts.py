"""a school's contacts: the adults at the school the service writes to

Revision ID: 0007
Revises: 0006

Each school has contacts (finance, head, business manager, SENCo) with an email
address; documents will go to the finance contacts (billing.contacts:
finance_recipients). A contact is never deleted: removing one dates it
(``removed_on``), so a document sent before still names who it went to.

Downgrading would drop every contact and its history, so it is refused while
the table holds any (as 0005 refuses to cut PO numbers); the migration runs in
one transaction, so a refused downgrade leaves the database at 0007.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billing.models.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('school_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('added_on', sa.Date(), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("role IN ('finance','head','business_manager','senco')", name=op.f('ck_school_contacts_role')),
    sa.CheckConstraint('removed_on IS NULL OR removed_on >= added_on', name=op.f('ck_school_contacts_removed')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_contacts_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_contacts'))
    )
    with op.batch_alter_table('school_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_contacts_school_id'), ['school_id'], unique=False)


def downgrade() -> None:
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM school_contacts")).scalar()
    if held:
        raise RuntimeError(f"cannot downgrade: school_contacts holds {held} contact{'' if held == 1 else 's'}, "
                           "which revision 0006 has nowhere to keep")
    with op.batch_alter_table('school_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_contacts_school_id'))
    op.drop_table('school_contacts')
