"""A school's statement of account (domain-rules §9).

Every money movement on the school's own account, dated: invoices and
late-payment interest charges (debits), credit notes and payments (credits),
refunds of credit (debits). The balance is what the school owes; negative is
credit held. Nothing of any other school is read: every query is filtered by
the school's id.

Interest is shown once, as its own line on the day the interest run raised it;
when a bill run later puts it on an interest-only invoice that invoice's
interest lines are not counted again (so a past statement does not change when
interest is billed). A waived, not yet invoiced charge is left out; a waiver by
credit note shows as that credit note.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from billing.context import Context
from billing.models import Allocation, Charge, Invoice, InvoiceLine, Payment, Refund, School
from billing.schools import get_school
from invoices.documents import AGEING_BUCKETS, EntitlementRow, Party, PaymentDetails, StatementDoc, StatementLine
from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput, TradedError
from pricing.money import ZERO

_KIND_ORDER = {"invoice": 0, "interest": 1, "credit_note": 2, "payment": 3, "refund": 4}


@dataclass(frozen=True)
class Entry:
    on: date
    kind: str
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    order: int  # a stable tie-break within a day


@dataclass(frozen=True)
class Statement:
    urn: str
    name: str
    start: date
    end: date
    opening_balance: Decimal
    lines: list[StatementLine]
    closing_balance: Decimal
    overdue: dict[str, Decimal]
    entitlements: dict[str, Any] | None

    def as_json(self) -> dict[str, object]:
        return {
            "urn": self.urn, "name": self.name, "from": self.start, "to": self.end,
            "opening_balance": self.opening_balance,
            "lines": [{"date": ln.on, "kind": ln.kind, "reference": ln.reference,
                       "description": ln.description, "debit": ln.debit, "credit": ln.credit,
                       "balance": ln.balance} for ln in self.lines],
            "closing_balance": self.closing_balance,
            "overdue": dict(self.overdue),
            "entitlements": self.entitlements,
        }


def age_bucket(days_past_due: int) -> str:
    """The ageing column for an invoice ``days_past_due`` days late: 0-30, 31-60, 61-90, 90+ (§9)."""
    if days_past_due <= 30:
        return "0-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


def _interest_billed(ctx: Context, invoice_ids: list[int]) -> dict[int, Decimal]:
    """Per invoice: the gross amount of its lines that bill interest charges (shown as interest lines)."""
    if not invoice_ids:
        return {}
    rows = ctx.session.execute(
        select(InvoiceLine.invoice_id, func.sum(InvoiceLine.total))
        .join(Charge, Charge.id == InvoiceLine.charge_id)
        .where(Charge.kind == "interest", InvoiceLine.invoice_id.in_(invoice_ids))
        .group_by(InvoiceLine.invoice_id)
    )
    return {inv_id: amount or ZERO for inv_id, amount in rows}


def ledger_entries(ctx: Context, school: School) -> list[Entry]:
    """Every debit and credit on one school's account, in date order."""
    entries: list[Entry] = []
    documents = list(ctx.session.scalars(select(Invoice).where(Invoice.school_id == school.id)))
    numbers = {d.id: d.number for d in documents}
    interest_lines = _interest_billed(ctx, [d.id for d in documents if d.kind == "invoice"])
    for doc in documents:
        if doc.kind == "invoice":
            debit = doc.total - interest_lines.get(doc.id, ZERO)
            if debit == 0 and doc.id in interest_lines:
                continue  # an interest-only invoice: its charges are already interest lines
            due = f", due {doc.due_on.isoformat()}" if doc.due_on else ""
            entries.append(Entry(doc.issued_on, "invoice", doc.number, f"Invoice{due}", debit, ZERO, doc.id))
        else:
            corrected = numbers.get(doc.corrects_id or -1)
            if corrected is None and doc.corrects_id is not None:
                other = ctx.session.get(Invoice, doc.corrects_id)
                corrected = other.number if other else "?"
            reason = f": {doc.reason}" if doc.reason else ""
            entries.append(Entry(doc.issued_on, "credit_note", doc.number,
                                 f"Credit note against {corrected}{reason}"[:300], ZERO, doc.total, doc.id))
    for charge in ctx.session.scalars(
        select(Charge).where(Charge.school_id == school.id, Charge.kind == "interest", Charge.status == "due")
    ):
        late = numbers.get(charge.late_invoice_id or -1, "")
        entries.append(Entry(charge.due_on, "interest", late or f"interest {charge.id}", charge.description,
                             charge.amount, ZERO, charge.id))
    for payment in ctx.session.scalars(select(Payment).where(Payment.school_id == school.id)):
        ref = f" ({payment.reference})" if payment.reference else ""
        entries.append(Entry(payment.received_on, "payment", f"PAY-{payment.id}",
                             f"Payment by {payment.method.upper() if payment.method == 'bacs' else payment.method}{ref}"[:300],
                             ZERO, payment.amount, payment.id))
    for refund in ctx.session.scalars(select(Refund).where(Refund.school_id == school.id)):
        entries.append(Entry(refund.refunded_on, "refund", f"REF-{refund.id}",
                             f"Refund of credit: {refund.reason}"[:300], refund.amount, ZERO, refund.id))
    entries.sort(key=lambda e: (e.on, _KIND_ORDER[e.kind], e.order))
    return entries


def overdue_by_age(ctx: Context, school: School, as_of: date) -> dict[str, Decimal]:
    """Outstanding on the school's invoices past due at ``as_of``, by days past due (§9).

    Counts only credit notes issued and allocations made by ``as_of``.
    """
    buckets = {b: ZERO for b in AGEING_BUCKETS}
    invoices = list(ctx.session.scalars(select(Invoice).where(
        Invoice.school_id == school.id, Invoice.kind == "invoice",
        Invoice.due_on.is_not(None), Invoice.due_on < as_of, Invoice.issued_on <= as_of)))
    if not invoices:
        return buckets
    ids = [i.id for i in invoices]
    reduced: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for inv_id, amount in ctx.session.execute(
        select(Invoice.corrects_id, Invoice.total).where(
            Invoice.kind == "credit_note", Invoice.corrects_id.in_(ids), Invoice.issued_on <= as_of)
    ):
        reduced[inv_id] += amount
    for inv_id, amount in ctx.session.execute(
        select(Allocation.invoice_id, Allocation.amount).where(
            Allocation.invoice_id.in_(ids), Allocation.allocated_on <= as_of)
    ):
        reduced[inv_id] += amount
    for invoice in invoices:
        assert invoice.due_on is not None
        left = invoice.total - reduced[invoice.id]
        if left > 0:
            buckets[age_bucket((as_of - invoice.due_on).days)] += left
    return buckets


def _entitlements(ctx: Context, school: School, year: AcademicYear) -> dict[str, Any] | None:
    from billing.entitlements import school_entitlements

    try:
        return school_entitlements(ctx, school, year)
    except TradedError:
        return None  # no price book for the year: nothing to show


def school_statement(ctx: Context, urn: str, start: date | None = None, end: date | None = None,
                     with_entitlements: bool = True) -> Statement:
    """One school's statement for ``start..end`` (default: the academic year to date) (§9).

    Opening balance (everything before ``start``), every line in the period with
    its running balance, the closing balance, overdue amounts by age at ``end``,
    and the entitlements of the academic year holding ``end`` (left out with
    ``with_entitlements=False``: the screen's statement does not show them, and
    reading them needs the price book).
    """
    school = get_school(ctx, urn)
    end = end or ctx.today
    start = start or AcademicYear.of(end).start
    if end < start:
        raise InvalidInput(f"the statement period ends {end} before it starts {start}")
    opening = ZERO
    lines: list[StatementLine] = []
    balance = ZERO
    for entry in ledger_entries(ctx, school):
        if entry.on > end:
            break
        if entry.on < start:
            opening += entry.debit - entry.credit
            balance = opening
            continue
        balance += entry.debit - entry.credit
        lines.append(StatementLine(entry.on, entry.kind, entry.reference, entry.description,
                                   entry.debit, entry.credit, balance))
    return Statement(
        urn=school.urn, name=school.name, start=start, end=end, opening_balance=opening, lines=lines,
        closing_balance=balance if lines else opening, overdue=overdue_by_age(ctx, school, end),
        entitlements=_entitlements(ctx, school, AcademicYear.of(end)) if with_entitlements else None,
    )


def statement_document(ctx: Context, st: Statement) -> StatementDoc:
    """The statement as the frozen document the PDF renderer prints."""
    from billing.documents import payment_details
    from billing.invoicing import customer_snapshot, supplier_snapshot
    from billing.pricebooks import council

    school = get_school(ctx, st.urn)
    supplier = supplier_snapshot(council(ctx))
    customer = customer_snapshot(school)
    rows = []
    for item in (st.entitlements or {}).get("items", []):
        rows.append(EntitlementRow(str(item["service"]), item.get("included"), int(item.get("used", 0)),
                                   int(item.get("beyond", 0))))
    return StatementDoc(
        supplier=Party(name=str(supplier["name"]), address=str(supplier["address"]),
                       vat_number=str(supplier["vat_number"]), email=str(supplier["email"]),
                       phone=str(supplier["phone"])),
        customer=Party(name=str(customer["name"]), address=str(customer["address"]), urn=school.urn,
                       email=school.email),
        period_start=st.start, period_end=st.end, as_of=ctx.today,
        opening_balance=st.opening_balance, lines=tuple(st.lines), closing_balance=st.closing_balance,
        overdue=st.overdue, entitlements=tuple(rows), year_name=AcademicYear.of(st.end).name,
        payment=_with_pay_link(ctx, school, payment_details(supplier)),
    )


def _with_pay_link(ctx: Context, school: School, details: PaymentDetails | None) -> PaymentDetails | None:
    """When Stripe is configured, the statement links to a card payment for the oldest invoice still owing."""
    from billing.balances import invoice_outstanding
    from billing.documents import with_pay_link
    from billing.gateway.service import pay_link_if_configured
    from billing.gateway.stripe_adapter import is_configured

    if details is None or not is_configured():
        return details
    invoices = ctx.session.scalars(select(Invoice).where(
        Invoice.school_id == school.id, Invoice.kind == "invoice").order_by(Invoice.due_on, Invoice.number)).all()
    owing = invoice_outstanding(ctx.session, [i.id for i in invoices])
    oldest = next((i for i in invoices if owing.get(i.id, ZERO) > 0), None)
    return with_pay_link(details, pay_link_if_configured(ctx, oldest.number) if oldest is not None else None)


def write_statement_pdf(ctx: Context, st: Statement, out: Path, force: bool = False) -> Path:
    """Render the statement to ``out`` (folders created as needed; an existing file only with ``force``)."""
    from billing.outputs import check_output, write_output
    from invoices.statement_pdf import render_statement

    database = ctx.session.get_bind().engine.url
    check_output(out, force=force, database_url=database)
    return write_output(out, render_statement(statement_document(ctx, st)), force=force, database_url=database)
