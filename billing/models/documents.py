"""Invoices and credit notes (one table, two kinds), their lines, numbering and bill runs.

An issued document is a frozen snapshot: customer and supplier particulars,
line descriptions, rates and amounts are copied at issue and never edited.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.base import OPTIONAL_REFERENCES, Base, optional_ref_index
from billing.models.schools import School
from billing.models.types import ExactDecimal, Hours, ModelJSON, Money, UTCDateTime
from contracts.states import BillRunStatus
from invoices.snapshot import CustomerSnapshot, SupplierSnapshot


class NumberSequence(Base):
    """The next number of a series (``INV``, ``CN``); its row is locked while a number is taken."""

    __tablename__ = "number_sequences"

    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    next_value: Mapped[int]


class BillRun(Base):
    __tablename__ = "bill_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_on: Mapped[date] = mapped_column(index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default=BillRunStatus.RUNNING)
    invoice_count: Mapped[int] = mapped_column(default=0)
    total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    actor: Mapped[str] = mapped_column(String(120))


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("kind IN ('invoice','credit_note')", name="kind"),
        CheckConstraint("kind = 'invoice' OR corrects_id IS NOT NULL", name="credit_names_invoice"),
        UniqueConstraint("series", "seq"),
        *(optional_ref_index("invoices", column) for column in OPTIONAL_REFERENCES["invoices"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    number: Mapped[str] = mapped_column(String(18), unique=True)
    series: Mapped[str] = mapped_column(String(10))
    seq: Mapped[int]
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    bill_run_id: Mapped[int | None] = mapped_column(ForeignKey("bill_runs.id"), index=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    issued_on: Mapped[date] = mapped_column(index=True)
    tax_point: Mapped[date]
    due_on: Mapped[date | None] = mapped_column(index=True)
    interest_only: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    # Every purchase-order number of the invoice's subscriptions and orders, in full, ", "-joined.
    po_number: Mapped[str | None] = mapped_column(Text)
    # Issue 20: "standard" (an invoice or credit note), "recharge" (a maintained school's journal
    # recharge, its own series, settled on issue) or "write_off" (a bad debt written off, approved by).
    purpose: Mapped[str] = mapped_column(String(12), default="standard", server_default="standard")
    approved_by: Mapped[str | None] = mapped_column(String(120))
    customer: Mapped[CustomerSnapshot] = mapped_column(ModelJSON(CustomerSnapshot))
    supplier: Mapped[SupplierSnapshot] = mapped_column(ModelJSON(SupplierSnapshot))  # the council at issue
    net: Mapped[Decimal] = mapped_column(Money())
    vat: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))

    school: Mapped[School] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position"
    )
    corrects: Mapped[Invoice | None] = relationship(remote_side=[id])


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        UniqueConstraint("invoice_id", "position"),
        CheckConstraint("net + vat = total", name="sums"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    position: Mapped[int]
    # Unique: the database itself refuses to put one charge on two invoices.
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id"), unique=True)
    corrects_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id"))
    service_code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    quantity: Mapped[Decimal] = mapped_column(Hours())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    net: Mapped[Decimal] = mapped_column(Money())
    vat_code: Mapped[str] = mapped_column(String(1))
    vat_rate: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2))  # percent, e.g. 20.00
    vat: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
