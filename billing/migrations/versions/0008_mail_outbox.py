"""the outbox: every email sent to a school, recorded with its document

Revision ID: 0008
Revises: 0007

Issuing a document (invoice, credit note, reminder letter, statement) records
its message here in the same transaction; `traded mail send` delivers queued
messages and records each outcome (billing.outbox, billing.mail_delivery).

Downgrading would drop the record of what was sent to whom, so it is refused
while the table holds any message (as 0007 refuses to drop a contact); the
migration runs in one transaction, so a refused downgrade leaves it at 0008.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billing.models.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('sender', sa.String(length=400), nullable=False),
    sa.Column('reply_to', sa.String(length=254), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('pdf_name', sa.String(length=120), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('message_id', sa.String(length=250), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', billing.models.types.UTCDateTime(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('refused', sa.JSON(), nullable=True),
    sa.Column('claimed_at', billing.models.types.UTCDateTime(), nullable=True),
    sa.Column('sent_at', billing.models.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.CheckConstraint("status IN ('queued','sending','sent','failed','bounced','uncertain')",
                       name=op.f('ck_mail_messages_status')),
    sa.CheckConstraint("kind IN ('invoice','credit_note','reminder','statement','portal_invitation',"
                       "'portal_sign_in')", name=op.f('ck_mail_messages_kind')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_mail_messages_attempts')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_mail_messages_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages')),
    sa.UniqueConstraint('key', name=op.f('uq_mail_messages_key')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mail_messages_message_id'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_messages_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_messages_status'), ['status'], unique=False)


def downgrade() -> None:
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM mail_messages")).scalar()
    if held:
        raise RuntimeError(f"cannot downgrade: mail_messages holds {held} message{'' if held == 1 else 's'}, "
                           "which revision 0007 has nowhere to keep")
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_messages_status'))
        batch_op.drop_index(batch_op.f('ix_mail_messages_school_id'))
    op.drop_table('mail_messages')
