"""Gap-free document numbers taken from a locked counter row (domain-rules §7).

A number is taken inside the transaction that issues the document: the
counter row in ``number_sequences`` is locked (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite every write transaction already starts with ``BEGIN
IMMEDIATE``, which serialises writers), incremented, and the lock is held until
commit. If the transaction rolls back, the increment rolls back with it, so a
number is never lost and never handed out twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billing.context import Context
from billing.models import NumberSequence
from invoices.numbering import format_number
from pricing.errors import InvalidInput

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"
RECHARGE_SERIES = "JNL"
"""Journal recharges to the council's own maintained schools (issue 20): gap-free, apart from invoices."""


def lock_series(ctx: Context, series: str) -> NumberSequence:
    """Lock (creating if need be) the counter of ``series`` until the transaction ends.

    Issuing code locks the series *before* it reads what to issue, so two bill
    runs racing each other take turns and the second sees the first's invoices.
    """
    if not series or len(series) > 10:
        raise InvalidInput(f"number series {series!r} must be 1 to 10 characters")
    dialect = ctx.session.get_bind().dialect.name
    # Create the row without racing another transaction creating it too.
    if dialect == "postgresql":
        stmt = pg_insert(NumberSequence).values(series=series, next_value=1).on_conflict_do_nothing()
        ctx.session.execute(stmt)
    elif dialect == "sqlite":
        ctx.session.execute(sqlite_insert(NumberSequence).values(series=series, next_value=1).on_conflict_do_nothing())
    elif ctx.session.get(NumberSequence, series) is None:
        ctx.session.add(NumberSequence(series=series, next_value=1))
        ctx.session.flush()
    row = ctx.session.scalar(
        select(NumberSequence).where(NumberSequence.series == series).with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


def next_number(ctx: Context, series: str, prefix: str) -> tuple[int, str]:
    """The next ``(seq, number)`` of ``series``, e.g. ``(7, "INV-000007")`` (§7: no gaps, no reuse).

    The number fits a BACS reference (at most 18 of A–Z, 0–9, ``-``); it is
    only final when the calling transaction commits.
    """
    row = lock_series(ctx, series)
    seq = row.next_value
    number = format_number(prefix, seq)
    row.next_value = seq + 1
    ctx.session.flush()
    return seq, number
