"""Money in and out: payments, their allocation to invoices, refunds of credit,
every imported bank-statement line, and reminders already sent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.base import Base, one_of
from billing.models.schools import School
from billing.models.types import Money, UTCDateTime
from contracts.states import BankLineStatus


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("method IN ('bacs','cheque','card','journal')", name="method"),  # journal: issue 20
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    received_on: Mapped[date] = mapped_column(index=True)
    method: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(140))
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual, import, stripe
    # An outside identity (bank line fingerprint, Stripe payment intent): recorded once only.
    external_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))

    school: Mapped[School] = relationship()
    allocations: Mapped[list[Allocation]] = relationship(back_populates="payment")


class Allocation(Base):
    __tablename__ = "allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    allocated_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    payment: Mapped[Payment] = relationship(back_populates="allocations")


class Refund(Base):
    """Money paid back to a school out of its unallocated credit."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    refunded_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    external_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))


class BankLine(Base):
    """A bank-statement line, kept whatever became of it (domain-rules §8: every bank line is kept).

    ``status`` is ``matched`` (``payment_id`` holds the payment), ``unmatched``
    (on the receipts worklist until someone matches or rejects it), ``future``
    (dated after the day it was imported; matched once its date has come) or
    ``rejected`` (not a payment to the council, with ``reason``: a debit, a line
    not in pounds, or a person's decision). ``fingerprint`` is the line's
    identity (date, amount, currency, reference folded for case and spacing,
    occurrence in its file), so importing a statement again adds nothing;
    ``legacy_fingerprint`` keeps the identity lines imported before schema 0004
    were given, so re-importing those old files stays a no-op too.
    """

    __tablename__ = "bank_lines"
    __table_args__ = (
        CheckConstraint(one_of("status", BankLineStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    legacy_fingerprint: Mapped[str | None] = mapped_column(String(64), unique=True)
    posted_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3), server_default="GBP")
    reference: Mapped[str] = mapped_column(String(200))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    status: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(String(200))
    line_no: Mapped[int | None]  # where the line is in its file (CSV row, statement entry), for people
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # who set the status, and when
    decided_by: Mapped[str | None] = mapped_column(String(120))


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("invoice_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    level: Mapped[int]  # days past due: 7, 30 or 60
    sent_on: Mapped[date]
    outstanding: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AllocationRelease(Base):
    """Money a credit note freed from an invoice that was already paid (§8).

    The allocation is reduced (the money becomes account credit on the credit
    note's date), but the history keeps that the payment was applied to the
    invoice from ``applied_on``: the invoice's balance for interest counts it,
    so a credit note never makes a paid invoice look unpaid back in time.
    """

    __tablename__ = "allocation_releases"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    applied_on: Mapped[date]
    released_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InterestReduction(Base):
    """Interest already invoiced that a recomputation over the whole history took back (§8).

    Each is a credit note against the interest invoice that billed ``charge_id``.
    Interest raised on a late invoice, net = its interest charges (not withdrawn)
    less these reductions.
    """

    __tablename__ = "interest_reductions"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    late_invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charges.id"), index=True)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    reduced_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
