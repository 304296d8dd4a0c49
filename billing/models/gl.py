"""The general-ledger export (issue 20): numbered batches, the money events each holds, and its journal lines.

Every money event (an issued invoice or credit note, a payment received, a refund) is
exported once: ``gl_batch_events`` is UNIQUE on (kind, source id), so the database
itself refuses to put one event in two batches. A batch keeps the very lines it
exported, so reconciling reads what finance was sent, not what the chart of codes
would say today.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from billing.models.base import Base
from billing.models.types import Money, UTCDateTime

GL_EVENT_KINDS = ("invoice", "credit_note", "payment", "refund", "write_off", "recharge")
"""Kinds of money event; ``write_off`` and ``recharge`` (settlement by journal) are held for issue 20's later parts."""
GL_ROLES = ("debtors", "income", "interest", "vat", "bank", "write_off", "clearing")
"""What a journal line's account is, so reconciling can add like to like whatever the council's codes."""


def _words(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(w) for w in words)})"


class GlBatch(Base):
    """One export: its number in a gap-free series, the range asked for, who made it and its totals."""

    __tablename__ = "gl_batches"
    __table_args__ = (
        CheckConstraint("to_on >= from_on", name="dates"),
        CheckConstraint("debits = credits", name="balances"),
        CheckConstraint("number > 0", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    from_on: Mapped[date]
    to_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    profile: Mapped[str | None] = mapped_column(String(40))
    debits: Mapped[Decimal] = mapped_column(Money())
    credits: Mapped[Decimal] = mapped_column(Money())
    event_count: Mapped[int]
    late_count: Mapped[int]  # events dated before from_on, recorded after an earlier export
    line_count: Mapped[int]


class GlBatchEvent(Base):
    """A money event and the batch that exported it (one batch per event, ever)."""

    __tablename__ = "gl_batch_events"
    __table_args__ = (
        UniqueConstraint("kind", "source_id"),
        CheckConstraint(_words("kind", GL_EVENT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("gl_batches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    source_id: Mapped[int]  # invoices.id for invoices and credit notes, payments.id, refunds.id
    event_on: Mapped[date]
    late: Mapped[bool]


class GlBatchLine(Base):
    """One journal line as exported: a debit or a credit to an account and cost centre."""

    __tablename__ = "gl_batch_lines"
    __table_args__ = (
        UniqueConstraint("batch_id", "line_no"),
        CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0) AND debit + credit > 0",
                        name="one_side"),
        CheckConstraint(_words("role", GL_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("gl_batches.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("gl_batch_events.id"), index=True)
    line_no: Mapped[int]
    posted_on: Mapped[date]
    role: Mapped[str] = mapped_column(String(12))
    account: Mapped[str] = mapped_column(String(24))
    cost_centre: Mapped[str | None] = mapped_column(String(24))
    debit: Mapped[Decimal] = mapped_column(Money())
    credit: Mapped[Decimal] = mapped_column(Money())
    description: Mapped[str] = mapped_column(String(300))
    document: Mapped[str] = mapped_column(String(40))
    urn: Mapped[str] = mapped_column(String(12))
