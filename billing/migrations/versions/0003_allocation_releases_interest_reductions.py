"""money a credit note frees from a paid invoice, and interest taken back

Revision ID: 0003
Revises: 0002

Until now a credit note on a paid invoice cut the payment's allocation and kept
no trace of it except an audit entry, so the invoice's history read as unpaid
back to the payment's date and earned interest. The audit entries
(``payment.release``) hold what was freed: they are copied into
``allocation_releases`` here, dated by the payment's receipt and the credit
note that freed them. ``traded interest run`` then recomputes every invoice's
interest over the corrected history.
"""

from __future__ import annotations

import json
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import billing.models.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('allocation_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.Column('amount', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('released_on', sa.Date(), nullable=False),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_allocation_releases_amount')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['invoices.id'],
                            name=op.f('fk_allocation_releases_credit_note_id_invoices')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_allocation_releases_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_allocation_releases_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_releases'))
    )
    with op.batch_alter_table('allocation_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_releases_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_releases_payment_id'), ['payment_id'], unique=False)

    op.create_table('interest_reductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('late_invoice_id', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=False),
    sa.Column('credit_note_id', sa.Integer(), nullable=False),
    sa.Column('amount', billing.models.types.ExactDecimal(12, 2), nullable=False),
    sa.Column('reduced_on', sa.Date(), nullable=False),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_interest_reductions_amount')),
    sa.ForeignKeyConstraint(['charge_id'], ['charges.id'], name=op.f('fk_interest_reductions_charge_id_charges')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['invoices.id'],
                            name=op.f('fk_interest_reductions_credit_note_id_invoices')),
    sa.ForeignKeyConstraint(['late_invoice_id'], ['invoices.id'],
                            name=op.f('fk_interest_reductions_late_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_reductions'))
    )
    with op.batch_alter_table('interest_reductions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_reductions_charge_id'), ['charge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interest_reductions_late_invoice_id'), ['late_invoice_id'], unique=False)

    _copy_releases_from_audit()


def _copy_releases_from_audit() -> None:
    bind = op.get_bind()
    money = billing.models.types.Money()
    utc = billing.models.types.UTCDateTime()
    releases = sa.table(
        'allocation_releases',
        sa.column('payment_id', sa.Integer()), sa.column('invoice_id', sa.Integer()),
        sa.column('credit_note_id', sa.Integer()), sa.column('amount', money),
        sa.column('applied_on', sa.Date()), sa.column('released_on', sa.Date()),
        sa.column('created_at', utc),
    )
    audit = sa.table('audit_log', sa.column('id', sa.Integer()), sa.column('at', utc),
                     sa.column('action', sa.String()), sa.column('entity_id', sa.String()),
                     sa.column('detail', sa.JSON()))
    invoices = sa.table('invoices', sa.column('id', sa.Integer()), sa.column('number', sa.String()),
                        sa.column('kind', sa.String()), sa.column('corrects_id', sa.Integer()),
                        sa.column('issued_on', sa.Date()), sa.column('created_at', utc))
    payments = sa.table('payments', sa.column('id', sa.Integer()), sa.column('received_on', sa.Date()))
    rows = []
    for at, payment_id, detail in bind.execute(
        sa.select(audit.c.at, audit.c.entity_id, audit.c.detail)
        .where(audit.c.action == 'payment.release').order_by(audit.c.id)
    ):
        detail = json.loads(detail) if isinstance(detail, str) else (detail or {})
        number, released = detail.get('invoice'), detail.get('released')
        if not number or released is None:
            continue
        invoice_id = bind.scalar(sa.select(invoices.c.id).where(invoices.c.number == number))
        received_on = bind.scalar(sa.select(payments.c.received_on).where(payments.c.id == int(payment_id)))
        if invoice_id is None or received_on is None:
            continue
        # The credit note that freed it: the latest against the invoice made by then.
        note = bind.execute(
            sa.select(invoices.c.id, invoices.c.issued_on)
            .where(invoices.c.kind == 'credit_note', invoices.c.corrects_id == invoice_id,
                   invoices.c.created_at <= at)
            .order_by(invoices.c.created_at.desc(), invoices.c.id.desc()).limit(1)
        ).first()
        rows.append({'payment_id': int(payment_id), 'invoice_id': invoice_id,
                     'credit_note_id': note[0] if note else None, 'amount': Decimal(str(released)),
                     'applied_on': received_on, 'released_on': note[1] if note else received_on,
                     'created_at': at})
    if rows:
        op.bulk_insert(releases, rows)


def downgrade() -> None:
    with op.batch_alter_table('interest_reductions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interest_reductions_late_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_interest_reductions_charge_id'))
    op.drop_table('interest_reductions')
    with op.batch_alter_table('allocation_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_releases_payment_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_releases_invoice_id'))
    op.drop_table('allocation_releases')
