"""the establishment: posts, their funding splits, who fills them when, and funding sources' budgets

Revision ID: 0010
Revises: 0009

Issue 19: staff cost from the establishment (pay for the days each post is filled),
utilisation and full cost per case, and each funding source's budget for a period
(billing.establishment, pricing.establishment). New tables only; a downgrade is refused while
they hold a post or a funding budget (as 0007 and 0009 refuse to lose data).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billing.models.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('funding_budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('description', sa.String(length=120), nullable=False),
    sa.Column('amount', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_funding_budgets_amount')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_funding_budgets_dates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_budgets')),
    sa.UniqueConstraint('source', 'description', name=op.f('uq_funding_budgets_source_description'))
    )
    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('fte', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=True),
    sa.Column('contract', sa.String(length=30), nullable=False),
    sa.Column('annual_cost', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('on_cost_percent', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('delivery', sa.Boolean(), nullable=False),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('annual_cost >= 0', name=op.f('ck_posts_cost')),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_posts_dates')),
    sa.CheckConstraint('fte > 0', name=op.f('ck_posts_fte')),
    sa.CheckConstraint('on_cost_percent >= 0', name=op.f('ck_posts_on_costs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('title', name=op.f('uq_posts_title'))
    )
    op.create_table('post_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('person', sa.String(length=120), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('fte', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_post_assignments_dates')),
    sa.CheckConstraint('fte > 0', name=op.f('ck_post_assignments_fte')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_assignments_post_id_posts')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_post_assignments_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_assignments'))
    )
    with op.batch_alter_table('post_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_assignments_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_assignments_staff_id'), ['staff_id'], unique=False)

    op.create_table('post_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('percent', billing.models.types.ExactDecimal(12, 2), nullable=True),
    sa.Column('amount', billing.models.types.ExactDecimal(12, 2), nullable=True),
    sa.CheckConstraint('(percent IS NULL) <> (amount IS NULL)', name=op.f('ck_post_funding_one_basis')),
    sa.CheckConstraint('amount IS NULL OR amount > 0', name=op.f('ck_post_funding_amount')),
    sa.CheckConstraint('percent IS NULL OR percent > 0', name=op.f('ck_post_funding_percent')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_funding_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_funding')),
    sa.UniqueConstraint('post_id', 'source', name=op.f('uq_post_funding_post_id_source'))
    )
    with op.batch_alter_table('post_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_funding_post_id'), ['post_id'], unique=False)



def downgrade() -> None:
    # As 0007 and 0009 do: refuse rather than drop a manager's posts and funding budgets.
    bind = op.get_bind()
    held = {table: bind.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()
            for table in ("posts", "funding_budgets")}
    if any(held.values()):
        raise RuntimeError("cannot downgrade: the establishment holds "
                           f"{held['posts']} post(s) and {held['funding_budgets']} funding budget(s), "
                           "which revision 0009 has nowhere to keep")
    with op.batch_alter_table('post_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_funding_post_id'))

    op.drop_table('post_funding')
    with op.batch_alter_table('post_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_assignments_staff_id'))
        batch_op.drop_index(batch_op.f('ix_post_assignments_post_id'))

    op.drop_table('post_assignments')
    op.drop_table('posts')
    op.drop_table('funding_budgets')
