"""every bank line kept: statuses, reasons and case-blind fingerprints

Revision ID: 0004
Revises: 0003

Bank lines become the receipts worklist (domain-rules §8). New columns: the
line's currency, why it has its status (``reason``), where it sits in its
file (``line_no``), who set the status and when, and ``legacy_fingerprint``.
Statuses are now matched, unmatched, future or rejected: ``ignored`` lines
(debits, zero, not in pounds) become ``rejected`` with that reason, and
``unmatched`` lines dated after the day they were imported become ``future``.

Fingerprints now fold the reference's case and spacing. Each row keeps the
fingerprint it had (``legacy_fingerprint``), so importing an old file again
still adds nothing, and gets a new one: the old fingerprint hashed the line's
occurrence among identical lines in its file, which is recovered here by trying
1, 2, ... against the stored hash. Two old rows that are the same line under
the new identity (the same payment imported twice, its reference re-exported
in other case or spacing) cannot share a fingerprint: the later one keeps its
old one, and is marked in its reason and in the audit trail
(``bank_line.same_line``) for a person to check whether the school was
credited twice. Rows whose occurrence cannot be recovered (a reference cut at
200 characters, a line not in pounds) keep their old fingerprint too.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import billing.models.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_LONDON = ZoneInfo("Europe/London")


def upgrade() -> None:
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legacy_fingerprint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('currency', sa.String(length=3), server_default='GBP', nullable=False))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('line_no', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', billing.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=120), nullable=True))

    _rekey_existing_lines()

    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_bank_lines_legacy_fingerprint'), ['legacy_fingerprint'])
        batch_op.create_index(batch_op.f('ix_bank_lines_status'), ['status'], unique=False)
        batch_op.create_check_constraint(
            batch_op.f('ck_bank_lines_status'), "status IN ('matched','unmatched','future','rejected')")


def _old_print(posted_on: str, amount: str, currency: str, reference: str, n: int) -> str:
    return hashlib.sha256("|".join([posted_on, f"{amount}{currency}", reference, str(n)]).encode()).hexdigest()


def _new_print(posted_on: str, amount: str, currency: str, reference: str, n: int) -> str:
    # As billing.bank_import.fingerprint: date, amount, currency, reference folded for case and spacing.
    folded = " ".join(reference.split()).casefold()
    return hashlib.sha256("|".join(["v2", posted_on, amount, currency, folded, str(n)]).encode()).hexdigest()


def _rekey_existing_lines() -> None:
    bind = op.get_bind()
    money = billing.models.types.Money()
    utc = billing.models.types.UTCDateTime()
    lines = sa.table(
        'bank_lines',
        sa.column('id', sa.Integer()), sa.column('fingerprint', sa.String()),
        sa.column('legacy_fingerprint', sa.String()), sa.column('posted_on', sa.Date()),
        sa.column('amount', money), sa.column('currency', sa.String()), sa.column('reference', sa.String()),
        sa.column('status', sa.String()), sa.column('reason', sa.Text()), sa.column('payment_id', sa.Integer()),
        sa.column('imported_at', utc),
    )
    audit = sa.table('audit_log', sa.column('at', utc), sa.column('actor', sa.String()),
                     sa.column('action', sa.String()), sa.column('entity', sa.String()),
                     sa.column('entity_id', sa.String()), sa.column('reason', sa.Text()),
                     sa.column('detail', sa.JSON()))
    rows = bind.execute(sa.select(
        lines.c.id, lines.c.fingerprint, lines.c.posted_on, lines.c.amount, lines.c.reference, lines.c.status,
        lines.c.payment_id, lines.c.imported_at).order_by(lines.c.id)).all()
    same_raw = Counter((r.posted_on, r.amount, r.reference) for r in rows)
    taken: dict[str, int] = {}
    flagged = []
    now = datetime.now(UTC)
    for r in rows:
        day, amount = r.posted_on.isoformat(), f"{r.amount:.2f}"
        occurrence = next((n for n in range(1, same_raw[(r.posted_on, r.amount, r.reference)] + 1)
                           if _old_print(day, f"{r.amount}", "GBP", r.reference, n) == r.fingerprint), None)
        status, reason = r.status, None
        if status == 'ignored':
            status = 'rejected'
            reason = ("a debit (money out)" if r.amount < 0 else "zero" if r.amount == 0
                      else "not in pounds")
        elif status not in ('matched', 'unmatched'):
            status = 'unmatched'
        if status == 'unmatched' and r.posted_on > r.imported_at.astimezone(_LONDON).date():
            status = 'future'
            reason = f"dated after {r.imported_at.astimezone(_LONDON).date()}: matched once its date has come"
        currency = 'GBP' if occurrence is not None or r.status != 'ignored' or r.amount <= 0 else 'XXX'
        fingerprint = r.fingerprint
        if occurrence is not None:
            fresh = _new_print(day, amount, 'GBP', r.reference, occurrence)
            if fresh in taken:
                first = taken[fresh]
                reason = (f"the same line as bank line {first} (its reference differs only in case or spacing); "
                          "check that the school was not credited twice")
                flagged.append({'at': now, 'actor': 'migration 0004', 'action': 'bank_line.same_line',
                                'entity': 'bank_line', 'entity_id': str(r.id), 'reason': reason,
                                'detail': {'same_as': first, 'payment': r.payment_id, 'status': status}})
            else:
                taken[fresh] = r.id
                fingerprint = fresh
        bind.execute(lines.update().where(lines.c.id == r.id).values(
            fingerprint=fingerprint, legacy_fingerprint=r.fingerprint, status=status, reason=reason,
            currency=currency))
    if flagged:
        op.bulk_insert(audit, flagged)


def downgrade() -> None:
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_bank_lines_status'), type_='check')
        batch_op.drop_index(batch_op.f('ix_bank_lines_status'))
        batch_op.drop_constraint(batch_op.f('uq_bank_lines_legacy_fingerprint'), type_='unique')
    bind = op.get_bind()
    lines = sa.table('bank_lines', sa.column('fingerprint', sa.String()),
                     sa.column('legacy_fingerprint', sa.String()), sa.column('status', sa.String()),
                     sa.column('payment_id', sa.Integer()))
    # Lines imported since the upgrade keep their new fingerprints; older ones get their old ones back.
    bind.execute(lines.update().where(lines.c.legacy_fingerprint.is_not(None))
                 .values(fingerprint=lines.c.legacy_fingerprint))
    bind.execute(lines.update().where(lines.c.status == 'future').values(status='unmatched'))
    bind.execute(lines.update().where(lines.c.status == 'rejected', lines.c.payment_id.is_(None))
                 .values(status='ignored'))
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.drop_column('decided_by')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('line_no')
        batch_op.drop_column('reason')
        batch_op.drop_column('currency')
        batch_op.drop_column('legacy_fingerprint')
