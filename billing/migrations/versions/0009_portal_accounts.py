"""the schools' portal's accounts: people, their schools, one-time links, sessions, sign-in attempts

Revision ID: 0009
Revises: 0008

Portal users are people linked to one or more schools with a role at each
(viewer, approver); invitations and password resets are one-time links whose
tokens are kept only as hashes, sessions live in the database (any number of
server processes share them), and every sign-in attempt is kept for throttling
(billing.portal_accounts, billing.portal_sign_in).

Downgrading would drop the people who may sign in and their history, so it is
refused while portal_users holds anyone (as 0007 refuses to drop a contact);
the migration runs in one transaction, so a refused downgrade leaves it at 0009.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billing.models.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('password_set_at', billing.models.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('disabled_at', billing.models.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_users')),
    sa.UniqueConstraint('email', name=op.f('uq_portal_users_email'))
    )
    op.create_table('portal_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('removed_at', billing.models.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("role IN ('viewer','approver')", name=op.f('ck_portal_links_role')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_portal_links_school_id_schools')),
    sa.ForeignKeyConstraint(['user_id'], ['portal_users.id'], name=op.f('fk_portal_links_user_id_portal_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_links')),
    sa.UniqueConstraint('user_id', 'school_id', name=op.f('uq_portal_links_user_id_school_id'))
    )
    op.create_index(op.f('ix_portal_links_school_id'), 'portal_links', ['school_id'], unique=False)
    op.create_index(op.f('ix_portal_links_user_id'), 'portal_links', ['user_id'], unique=False)
    op.create_table('portal_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', billing.models.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('live','revoked','expired')", name=op.f('ck_portal_sessions_status')),
    sa.ForeignKeyConstraint(['user_id'], ['portal_users.id'], name=op.f('fk_portal_sessions_user_id_portal_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_sessions')),
    sa.UniqueConstraint('id_hash', name=op.f('uq_portal_sessions_id_hash'))
    )
    op.create_index(op.f('ix_portal_sessions_user_id'), 'portal_sessions', ['user_id'], unique=False)
    op.create_table('portal_sign_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.CheckConstraint("outcome IN ('signed_in','refused','throttled')", name=op.f('ck_portal_sign_ins_outcome')),
    sa.ForeignKeyConstraint(['user_id'], ['portal_users.id'], name=op.f('fk_portal_sign_ins_user_id_portal_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_sign_ins'))
    )
    op.create_index('ix_portal_sign_ins_client_address_at', 'portal_sign_ins', ['client_address', 'at'], unique=False)
    op.create_index('ix_portal_sign_ins_email_at', 'portal_sign_ins', ['email', 'at'], unique=False)
    op.create_table('portal_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', billing.models.types.UTCDateTime(), nullable=False),
    sa.Column('used_at', billing.models.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("purpose IN ('invitation','password_reset')", name=op.f('ck_portal_tokens_purpose')),
    sa.CheckConstraint("status IN ('issued','used','expired')", name=op.f('ck_portal_tokens_status')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_portal_tokens_school_id_schools')),
    sa.ForeignKeyConstraint(['user_id'], ['portal_users.id'], name=op.f('fk_portal_tokens_user_id_portal_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_portal_tokens_token_hash'))
    )
    op.create_index(op.f('ix_portal_tokens_user_id'), 'portal_tokens', ['user_id'], unique=False)


def downgrade() -> None:
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM portal_users")).scalar()
    if held:
        raise RuntimeError(f"cannot downgrade: portal_users holds {held} portal user{'' if held == 1 else 's'}, "
                           "whom revision 0008 has nowhere to keep")
    op.drop_index(op.f('ix_portal_tokens_user_id'), table_name='portal_tokens')
    op.drop_table('portal_tokens')
    op.drop_index('ix_portal_sign_ins_email_at', table_name='portal_sign_ins')
    op.drop_index('ix_portal_sign_ins_client_address_at', table_name='portal_sign_ins')
    op.drop_table('portal_sign_ins')
    op.drop_index(op.f('ix_portal_sessions_user_id'), table_name='portal_sessions')
    op.drop_table('portal_sessions')
    op.drop_index(op.f('ix_portal_links_user_id'), table_name='portal_links')
    op.drop_index(op.f('ix_portal_links_school_id'), table_name='portal_links')
    op.drop_table('portal_links')
    op.drop_table('portal_users')
