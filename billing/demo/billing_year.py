"""Demo phase 4: the year's bill runs, a credit note for a correction, and every document as a PDF.

Bill runs on the first day of each term and at the end of the year raise the
subscriptions' instalments and the casework, orders and late-notice charges
the earlier phases created; each run goes through the same crash-safe driver
as `traded bill run`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from billing.bill_run import run_bill_run
from billing.context import Context
from billing.db import transaction
from billing.documents import write_pdf
from billing.invoicing import issue_credit_note
from billing.models import Invoice
from billing.outbox import queue_document
from pricing.clock import FixedClock
from pricing.money import to_pence

if TYPE_CHECKING:
    from billing.demo import DemoState

ACTOR = "demo"


def run_dates(state: DemoState) -> list[date]:
    y = state.year.start_year
    return [date(y, 9, 1), date(y + 1, 1, 1), date(y + 1, 4, 1), date(y + 1, 7, 31)]


def _correction(state: DemoState, on: date) -> str | None:
    """Credit half a day on the first external (VAT-charging) invoice with a casework or order line."""
    with transaction(state.engine) as session:
        ctx = Context(session=session, clock=FixedClock(on), actor=ACTOR)
        candidates = session.scalars(
            select(Invoice).where(Invoice.kind == "invoice", Invoice.issued_on <= on, Invoice.interest_only.is_(False))
            .order_by(Invoice.vat.desc(), Invoice.seq)
        ).all()
        if not candidates:
            return None
        target = candidates[0]
        amount = min(target.total, to_pence(target.lines[-1].total / 2))
        if amount <= 0:
            return None
        note = issue_credit_note(ctx, target.number, Decimal(amount),
                                 "Correction: half of one line charged in error (agreed with the school)")
        queue_document(ctx, note, state.mail)
        return note.number


def run(state: DemoState) -> None:
    dates = run_dates(state)
    runs = []
    for on in dates:
        result = run_bill_run(state.engine, FixedClock(on), ACTOR, mail=state.mail)
        runs.append({"on": on.isoformat(), "invoices": result.count, "total": str(result.total)})
    credit = _correction(state, date(state.year.start_year + 1, 2, 2))
    folder = state.out_dir / "invoices"
    with transaction(state.engine) as session:
        documents = session.scalars(select(Invoice).order_by(Invoice.kind, Invoice.seq)).all()
        for doc in documents:
            state.pdfs.append(write_pdf(doc, folder / f"{doc.number}.pdf"))
        invoices = [d for d in documents if d.kind == "invoice"]
        state.summary["invoices"] = len(invoices)
        state.summary["credit_notes"] = len(documents) - len(invoices)
        state.summary["invoiced_total"] = str(sum((d.total for d in invoices), Decimal("0.00")))
    state.summary["bill_runs"] = runs
    state.summary["credit_note"] = credit
