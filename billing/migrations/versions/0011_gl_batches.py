"""the general-ledger export: numbered batches, the money events each exported, and their journal lines

Revision ID: 0011
Revises: 0010

Issue 20: `traded ledger export` records each export as a batch numbered in a gap-free
series, the events it holds (UNIQUE on kind and source id: an event is in one batch only)
and the balanced lines it wrote (billing.gl). New tables only. Downgrading would forget
what finance has already been sent, and the next export would send it again, so it is
refused while any batch is recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billing.models.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gl_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('from_on', sa.Date(), nullable=False),
    sa.Column('to_on', sa.Date(), nullable=False),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('profile', sa.String(length=40), nullable=True),
    sa.Column('debits', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('credits', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('late_count', sa.Integer(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.CheckConstraint('debits = credits', name=op.f('ck_gl_batches_balances')),
    sa.CheckConstraint('number > 0', name=op.f('ck_gl_batches_number')),
    sa.CheckConstraint('to_on >= from_on', name=op.f('ck_gl_batches_dates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gl_batches')),
    sa.UniqueConstraint('number', name=op.f('uq_gl_batches_number'))
    )
    op.create_table('gl_batch_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('event_on', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('invoice','credit_note','payment','refund','write_off','recharge')", name=op.f('ck_gl_batch_events_kind')),
    sa.ForeignKeyConstraint(['batch_id'], ['gl_batches.id'], name=op.f('fk_gl_batch_events_batch_id_gl_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gl_batch_events')),
    sa.UniqueConstraint('kind', 'source_id', name=op.f('uq_gl_batch_events_kind_source_id'))
    )
    with op.batch_alter_table('gl_batch_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gl_batch_events_batch_id'), ['batch_id'], unique=False)

    op.create_table('gl_batch_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('account', sa.String(length=24), nullable=False),
    sa.Column('cost_centre', sa.String(length=24), nullable=True),
    sa.Column('debit', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('credit', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('document', sa.String(length=40), nullable=False),
    sa.Column('urn', sa.String(length=12), nullable=False),
    sa.CheckConstraint("role IN ('debtors','income','interest','vat','bank','write_off','clearing')", name=op.f('ck_gl_batch_lines_role')),
    sa.CheckConstraint('debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0) AND debit + credit > 0', name=op.f('ck_gl_batch_lines_one_side')),
    sa.ForeignKeyConstraint(['batch_id'], ['gl_batches.id'], name=op.f('fk_gl_batch_lines_batch_id_gl_batches')),
    sa.ForeignKeyConstraint(['event_id'], ['gl_batch_events.id'], name=op.f('fk_gl_batch_lines_event_id_gl_batch_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gl_batch_lines')),
    sa.UniqueConstraint('batch_id', 'line_no', name=op.f('uq_gl_batch_lines_batch_id_line_no'))
    )
    with op.batch_alter_table('gl_batch_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gl_batch_lines_event_id'), ['event_id'], unique=False)



def downgrade() -> None:
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM gl_batches")).scalar()
    if held:
        raise RuntimeError(f"cannot downgrade: gl_batches holds {held} exported batch{'' if held == 1 else 'es'}, "
                           "which revision 0010 has nowhere to keep")
    with op.batch_alter_table('gl_batch_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gl_batch_lines_event_id'))

    op.drop_table('gl_batch_lines')
    with op.batch_alter_table('gl_batch_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gl_batch_events_batch_id'))

    op.drop_table('gl_batch_events')
    op.drop_table('gl_batches')
