"""What is left to pay on each invoice, and the status that follows from it (§7, §8).

Outstanding = invoice total − credit notes against it − payment allocations to
it. Worked out for many invoices in one query (grouped sub-queries), never one
query per invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased, object_session

from billing.models import Allocation, Invoice
from contracts.states import InvoiceStatus
from pricing.money import ZERO

WRITE_OFF_PURPOSE = "write_off"
"""A credit document writing off a bad debt (billing.write_offs): it closes an invoice as written off, not paid."""

RECHARGE_PURPOSE = "recharge"
"""A maintained school's journal recharge (billing.journals): settled by journal, not paid. Here so balances
need not import journals."""


@dataclass(frozen=True)
class InvoiceFigures:
    total: Decimal
    credited: Decimal
    """Every credit document against the invoice, write-offs included."""
    paid: Decimal
    written_off: Decimal = ZERO
    """The part of ``credited`` that wrote off a bad debt."""

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.credited - self.paid


def invoice_figures(session: Session, invoice_ids: Iterable[int] | None = None) -> dict[int, InvoiceFigures]:
    """Total, credited, paid and written off for each invoice (credit notes themselves are left out)."""
    credit = aliased(Invoice)
    credited = (
        select(credit.corrects_id.label("invoice_id"), func.sum(credit.total).label("amount"),
               func.sum(case((credit.purpose == WRITE_OFF_PURPOSE, credit.total), else_=0)).label("written_off"))
        .where(credit.kind == "credit_note")
        .group_by(credit.corrects_id)
        .subquery()
    )
    paid = (
        select(Allocation.invoice_id.label("invoice_id"), func.sum(Allocation.amount).label("amount"))
        .group_by(Allocation.invoice_id)
        .subquery()
    )
    stmt = (
        select(Invoice.id, Invoice.total, credited.c.amount, paid.c.amount, credited.c.written_off)
        .outerjoin(credited, credited.c.invoice_id == Invoice.id)
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(Invoice.kind == "invoice")
    )
    if invoice_ids is not None:
        ids = list(invoice_ids)
        if not ids:
            return {}
        stmt = stmt.where(Invoice.id.in_(ids))
    return {
        row[0]: InvoiceFigures(total=row[1], credited=row[2] or ZERO, paid=row[3] or ZERO,
                               written_off=row[4] or ZERO)
        for row in session.execute(stmt)
    }


def invoice_outstanding(session: Session, invoice_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """Invoice id → total − credit notes − payment allocations (every invoice when ids is None)."""
    return {inv_id: figures.outstanding for inv_id, figures in invoice_figures(session, invoice_ids).items()}


def invoice_status(invoice: Invoice, outstanding: Decimal, as_of: date, credited: Decimal | None = None,
                   written_off: Decimal | None = None) -> InvoiceStatus:
    """``issued``, ``paid``, ``overdue`` (unpaid after its due date), ``credited`` (cancelled by credit notes),
    ``written_off`` (closed with a bad debt written off) or ``settled_by_journal`` (a maintained school's
    recharge, settled by journal transfer on issue: nobody paid it).

    An invoice with nothing left is ``written_off`` when any of it was written off
    (the council did not collect it all, however much was paid), else ``credited``
    when credit notes cover its whole total, else ``paid``. Pass ``credited`` and
    ``written_off`` when they are known (a list view) to save a query.
    """
    if outstanding <= 0:
        if credited is None or written_off is None:
            session = object_session(invoice)
            known = InvoiceFigures(ZERO, ZERO, ZERO)
            if session is not None:
                known = invoice_figures(session, [invoice.id]).get(invoice.id, known)
            credited, written_off = known.credited, known.written_off
        if written_off > 0:
            return InvoiceStatus.WRITTEN_OFF
        if credited >= invoice.total and invoice.total > 0:
            return InvoiceStatus.CREDITED
        return InvoiceStatus.SETTLED_BY_JOURNAL if invoice.purpose == RECHARGE_PURPOSE else InvoiceStatus.PAID
    if invoice.due_on is not None and as_of > invoice.due_on:
        return InvoiceStatus.OVERDUE
    return InvoiceStatus.ISSUED
