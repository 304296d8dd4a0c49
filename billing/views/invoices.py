"""Invoices and credit notes as the team looks them up: `invoice list|show|pdf`, `credit-note show`.

Every figure but the two derived ones comes from the document as issued (its
lines, amounts and the customer snapshot, §7); ``outstanding`` and ``status``
are an invoice's standing on the as-of day (billing.balances), and a credit note
has neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.balances import invoice_figures, invoice_status
from billing.context import Context
from billing.lookup import get_or_refuse
from billing.models import Invoice, InvoiceLine
from billing.schools import get_school
from contracts.states import InvoiceStatus, values
from pricing.errors import InvalidInput

INVOICE_STATUSES = values(InvoiceStatus)


@dataclass(frozen=True)
class InvoiceLineView:
    description: str
    period_start: date | None
    period_end: date | None
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    vat_code: str
    vat_rate: Decimal
    vat: Decimal
    total: Decimal

    def as_json(self) -> dict[str, object]:
        return {"description": self.description, "period_start": self.period_start, "period_end": self.period_end,
                "quantity": self.quantity, "unit_price": self.unit_price, "net": self.net,
                "vat_code": self.vat_code, "vat_rate": self.vat_rate, "vat": self.vat, "total": self.total}


@dataclass(frozen=True)
class InvoiceView:
    """One invoice or credit note (`invoice show`); ``corrects`` is the invoice a credit note corrects.

    ``purpose`` says what the document is for: ``standard``, ``recharge`` (a maintained school's
    internal recharge, settled by journal) or ``write_off`` (a credit document writing off a bad debt).
    """

    number: str
    kind: str
    purpose: str
    urn: str | None
    school: str
    issued: date
    tax_point: date
    due: date | None
    po_number: str | None
    interest_only: bool
    corrects: str | None
    corrects_issued: date | None
    reason: str | None
    net: Decimal
    vat: Decimal
    total: Decimal
    lines: tuple[InvoiceLineView, ...]
    outstanding: Decimal | None = None
    status: InvoiceStatus | None = None

    @property
    def owing(self) -> bool:
        """An invoice with money still to pay (what a pay link is for)."""
        return self.kind == "invoice" and self.outstanding is not None and self.outstanding > 0

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "number": self.number, "kind": self.kind, "purpose": self.purpose, "urn": self.urn, "school": self.school,
            "issued": self.issued, "tax_point": self.tax_point, "due": self.due, "po_number": self.po_number,
            "interest_only": self.interest_only, "corrects": self.corrects, "corrects_issued": self.corrects_issued,
            "reason": self.reason, "net": self.net, "vat": self.vat, "total": self.total,
            "lines": [line.as_json() for line in self.lines],
        }
        if self.outstanding is not None:
            data["outstanding"] = self.outstanding
        if self.status is not None:
            data["status"] = self.status
        return data


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice in `invoice list`: its total and what is outstanding on the as-of day."""

    number: str
    purpose: str
    urn: str | None
    issued: date
    due: date | None
    total: Decimal
    outstanding: Decimal
    status: InvoiceStatus

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "purpose": self.purpose, "urn": self.urn, "issued": self.issued, "due": self.due,
                "total": self.total, "outstanding": self.outstanding, "status": self.status}


@dataclass(frozen=True)
class PrintedInvoice:
    """`invoice pdf`: the document as `invoice show` gives it, and where its PDF was written."""

    document: InvoiceView
    pdf: str

    def as_json(self) -> dict[str, object]:
        return {**self.document.as_json(), "pdf": self.pdf}


def find_invoice(ctx: Context, number: str) -> Invoice:
    """An invoice or credit note by its number (case and surrounding spaces ignored)."""
    clean = number.strip().upper()
    return get_or_refuse(ctx.session, Invoice, f'no invoice or credit note numbered "{clean}"', "unknown_invoice",
                         number=clean)


def _line(line: InvoiceLine) -> InvoiceLineView:
    return InvoiceLineView(line.description, line.period_start, line.period_end, line.quantity, line.unit_price,
                           line.net, line.vat_code, line.vat_rate, line.vat, line.total)


def invoice_view(invoice: Invoice, outstanding: Decimal | None = None,
                 status: InvoiceStatus | None = None) -> InvoiceView:
    """The stored document as a view; ``outstanding`` and ``status`` as the caller found them."""
    corrects = invoice.corrects
    return InvoiceView(
        invoice.number, invoice.kind, invoice.purpose, invoice.customer.urn, invoice.customer.name, invoice.issued_on,
        invoice.tax_point, invoice.due_on, invoice.po_number, invoice.interest_only,
        corrects.number if corrects is not None else None, corrects.issued_on if corrects is not None else None,
        invoice.reason, invoice.net, invoice.vat, invoice.total, tuple(_line(line) for line in invoice.lines),
        outstanding, status)


def show_invoice(ctx: Context, number: str) -> InvoiceView:
    """One invoice or credit note with its lines (and, for an invoice, what is outstanding)."""
    return document_view(ctx, find_invoice(ctx, number))


def document_view(ctx: Context, invoice: Invoice) -> InvoiceView:
    """The document as `invoice show` gives it: an invoice with its standing on the as-of day."""
    if invoice.kind != "invoice":
        return invoice_view(invoice)
    fig = invoice_figures(ctx.session, [invoice.id])[invoice.id]
    return invoice_view(invoice, fig.outstanding,
                        invoice_status(invoice, fig.outstanding, ctx.today, credited=fig.credited,
                                       written_off=fig.written_off))


def list_invoices(ctx: Context, urn: str | None = None, status: str | None = None) -> list[InvoiceRow]:
    """Invoices (not credit notes) with what is outstanding and their status, oldest first."""
    if status is not None and status not in INVOICE_STATUSES:
        raise InvalidInput(f"status {status!r} must be one of {', '.join(INVOICE_STATUSES)}")
    stmt = select(Invoice).where(Invoice.kind == "invoice").order_by(Invoice.issued_on, Invoice.seq)
    if urn is not None:
        stmt = stmt.where(Invoice.school_id == get_school(ctx, urn).id)
    invoices = list(ctx.session.scalars(stmt))
    figures = invoice_figures(ctx.session, [inv.id for inv in invoices]) if invoices else {}
    rows = []
    for inv in invoices:
        fig = figures[inv.id]
        state = invoice_status(inv, fig.outstanding, ctx.today, credited=fig.credited, written_off=fig.written_off)
        if status is None or state == status:
            rows.append(InvoiceRow(inv.number, inv.purpose, inv.customer.urn, inv.issued_on, inv.due_on, inv.total,
                                   fig.outstanding, state))
    return rows
