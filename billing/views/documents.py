"""Credit notes and bill runs as the team looks them up: `credit-note list|show`, `bill list|show`.

A bill run's invoice count and total are read from the invoices it issued, so a
run stopped part-way shows what it did issue. A run still marked ``running``
whose process has gone (billing.run_lease) is shown ``interrupted``: the next
run records it so, and issues what it left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from billing import run_lease
from billing.context import Context
from billing.invoicing import get_invoice
from billing.models import BillRun, Invoice
from billing.schools import get_school
from billing.views.invoices import InvoiceView, document_view, find_invoice
from contracts.states import BillRunStatus
from pricing.errors import NotFound, RuleViolation
from pricing.money import ZERO


@dataclass(frozen=True)
class CreditNoteView:
    """A credit note in `credit-note list`; ``purpose`` is ``write_off`` for a bad debt written off, else ``standard``."""

    number: str
    purpose: str
    invoice: str
    urn: str
    school: str
    issued: date
    net: Decimal
    vat: Decimal
    amount: Decimal
    reason: str | None

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "purpose": self.purpose, "invoice": self.invoice, "urn": self.urn, "school": self.school,
                "issued": self.issued, "net": self.net, "vat": self.vat, "amount": self.amount,
                "reason": self.reason}


def list_credit_notes(ctx: Context, urn: str | None = None, invoice: str | None = None) -> list[CreditNoteView]:
    """Credit notes in number order: one school's, or those correcting one invoice."""
    corrected = aliased(Invoice)
    stmt = (select(Invoice, corrected.number).join(corrected, corrected.id == Invoice.corrects_id)
            .where(Invoice.kind == "credit_note").order_by(Invoice.seq))
    if urn is not None:
        stmt = stmt.where(Invoice.school_id == get_school(ctx, urn).id)
    if invoice is not None:
        stmt = stmt.where(Invoice.corrects_id == get_invoice(ctx, invoice).id)
    return [CreditNoteView(note.number, note.purpose, corrects, str(note.customer.urn), str(note.customer.name),
                           note.issued_on, note.net, note.vat, note.total, note.reason)
            for note, corrects in ctx.session.execute(stmt)]


def show_credit_note(ctx: Context, number: str) -> InvoiceView:
    """One credit note with its lines (the `invoice show` view); an invoice's number is refused."""
    document = find_invoice(ctx, number)
    if document.kind != "credit_note":
        raise RuleViolation(f"{document.number} is an invoice, not a credit note: traded invoice show "
                            f"{document.number}", code="not_a_credit_note")
    return document_view(ctx, document)


# --- bill runs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillRunView:
    id: int
    run_on: date
    started: datetime
    finished: datetime | None
    status: str
    invoices: int
    total: Decimal
    actor: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "run_on": self.run_on, "started": self.started, "finished": self.finished,
                "status": self.status, "invoices": self.invoices, "total": self.total, "actor": self.actor}


@dataclass(frozen=True)
class RunInvoiceView:
    number: str
    urn: str
    school: str
    issued: date
    net: Decimal
    vat: Decimal
    total: Decimal
    interest_only: bool

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "urn": self.urn, "school": self.school, "issued": self.issued,
                "net": self.net, "vat": self.vat, "total": self.total, "interest_only": self.interest_only}


@dataclass(frozen=True)
class BillRunDetail:
    run: BillRunView
    invoices: tuple[RunInvoiceView, ...]

    def as_json(self) -> dict[str, object]:
        return {**self.run.as_json(), "invoice_list": [inv.as_json() for inv in self.invoices]}


def _status(ctx: Context, run: BillRun) -> str:
    if run.status == BillRunStatus.RUNNING and not run_lease.is_alive(ctx.session.get_bind().engine, run.id):
        return BillRunStatus.INTERRUPTED
    return run.status


def _run_views(ctx: Context, runs: list[BillRun]) -> list[BillRunView]:
    ids = [run.id for run in runs]
    issued = {run_id: (n, total) for run_id, n, total in ctx.session.execute(
        select(Invoice.bill_run_id, func.count(Invoice.id), func.sum(Invoice.total))
        .where(Invoice.bill_run_id.in_(ids)).group_by(Invoice.bill_run_id))} if ids else {}
    return [BillRunView(run.id, run.run_on, run.started_at, run.finished_at, _status(ctx, run),
                        issued.get(run.id, (0, ZERO))[0], issued.get(run.id, (0, ZERO))[1] or ZERO, run.actor)
            for run in runs]


def list_bill_runs(ctx: Context) -> list[BillRunView]:
    """Every bill run, oldest first."""
    return _run_views(ctx, list(ctx.session.scalars(select(BillRun).order_by(BillRun.id))))


def show_bill_run(ctx: Context, run_id: int) -> BillRunDetail:
    """One bill run and the invoices it issued, in number order."""
    run = ctx.session.get(BillRun, run_id)
    if run is None:
        raise NotFound(f"There is no bill run {run_id}.", code="unknown_bill_run")
    invoices = ctx.session.scalars(select(Invoice).where(Invoice.bill_run_id == run.id).order_by(Invoice.seq))
    # Who each invoice was made out to as issued: its frozen customer snapshot, not today's record.
    return BillRunDetail(_run_views(ctx, [run])[0], tuple(
        RunInvoiceView(inv.number, str(inv.customer.urn), str(inv.customer.name), inv.issued_on,
                       inv.net, inv.vat, inv.total, inv.interest_only)
        for inv in invoices))
