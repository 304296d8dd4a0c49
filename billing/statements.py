"""A school's statement of account (domain-rules §9).

Every document and money movement on the school's own account, dated, each
under its own number as the school filed it: invoices (debits), interest
invoices (debits, by their own number, naming the late invoices they charge
interest on), credit notes (credits, by their own number), payments (credits)
and refunds of credit (debits). The balance is what the school owes; negative
is credit held. Nothing of any other school is read: every query is filtered
by the school's id.

Interest an interest run has raised but no bill run has yet invoiced is not a
document the school holds, so it is not a transaction: the statement states
it beside the balance ("interest not yet invoiced"), and it appears as its
interest invoice once billed. A past statement therefore never changes when
interest is billed later.

A recharge to the council's own maintained school (issue 20, billing.journals) is listed as
such, followed by the journal transfer that settled it ("Settled by journal transfer from the
school's budget"); a credit note against it is followed by its reversing journal. Both sides
are on the statement, so its balance is what the school owes: nothing, for a recharge.

A statement asked for by email (`traded statement URN --email`) is queued in
the outbox with its PDF attached (billing.outbox), once per period a day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from billing.balances import WRITE_OFF_PURPOSE, invoice_outstanding
from billing.context import Context
from billing.documents import payment_details, with_pay_link
from billing.entitlements import school_entitlements
from billing.gateway.service import pay_link_if_configured
from billing.invoicing import charges_interest_to, customer_snapshot, supplier_snapshot
from billing.journals import JOURNAL_METHOD, RECHARGE, is_reversing_journal
from billing.mail_compose import MailSetup
from billing.models import Allocation, Charge, Invoice, InvoiceLine, Payment, Refund, School
from billing.models.mail import MailMessage
from billing.outbox import queue_statement
from billing.outputs import check_output, write_output
from billing.pricebooks import council
from billing.schools import get_school
from invoices.documents import (
    AGEING_BUCKETS,
    SERVICE_NAMES,
    EntitlementRow,
    PaymentDetails,
    StatementDoc,
    StatementLine,
)
from invoices.formats import doc_date
from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput, TradedError
from pricing.money import ZERO

_KIND_ORDER = {"invoice": 0, "recharge": 0, "interest": 1, "credit_note": 2, "write_off": 2, "payment": 3, "journal": 3,
               "refund": 4}


@dataclass(frozen=True)
class Entry:
    on: date
    kind: str
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    order: int  # a stable tie-break within a day
    rank: int | None = None  # its place among a day's kinds, when not its kind's (a reversing journal's: a refund's)


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
    interest_not_invoiced: Decimal = ZERO  # raised by ``end``, billed after it (or not yet)

    def as_json(self) -> dict[str, object]:
        return {
            "urn": self.urn, "name": self.name, "from": self.start, "to": self.end,
            "opening_balance": self.opening_balance,
            "lines": [{"date": ln.on, "kind": ln.kind, "reference": ln.reference,
                       "description": ln.description, "debit": ln.debit, "credit": ln.credit,
                       "balance": ln.balance} for ln in self.lines],
            "closing_balance": self.closing_balance,
            "interest_not_invoiced": self.interest_not_invoiced,
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


def _head(description: str) -> str:
    """The start of a line's description, before its details: "Premium subscription 2025/26, autumn term"."""
    cut = len(description)
    for mark in (" (", ": ", "; "):
        at = description.find(mark)
        if at > 0:
            cut = min(cut, at)
    return description[:cut]


def _invoice_descriptions(ctx: Context, invoices: list[Invoice]) -> dict[int, str]:
    """What each invoice was for, in a few words: its first line and how many more, or the late invoices
    an interest invoice charges interest on."""
    if not invoices:
        return {}
    ids = [inv.id for inv in invoices]
    first: dict[int, str] = {}
    count: dict[int, int] = defaultdict(int)
    for inv_id, description in ctx.session.execute(
        select(InvoiceLine.invoice_id, InvoiceLine.description).where(InvoiceLine.invoice_id.in_(ids))
        .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
    ):
        first.setdefault(inv_id, description)
        count[inv_id] += 1
    late = aliased(Invoice)
    late_numbers: dict[int, list[str]] = defaultdict(list)
    for inv_id, number in ctx.session.execute(
        select(InvoiceLine.invoice_id, late.number).distinct()
        .join(Charge, Charge.id == InvoiceLine.charge_id).join(late, late.id == Charge.late_invoice_id)
        .where(InvoiceLine.invoice_id.in_(ids), Charge.kind == "interest").order_by(InvoiceLine.invoice_id, late.number)
    ):
        late_numbers[inv_id].append(number)
    out = {}
    for inv in invoices:
        due = f"; due {doc_date(inv.due_on)}" if inv.due_on else ""
        if inv.interest_only and late_numbers.get(inv.id):
            numbers = late_numbers[inv.id]
            on = numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} and {numbers[-1]}"
            what = f"Late-payment interest on {on}"
        else:
            what = _head(first.get(inv.id, "Invoice"))
            more = count[inv.id] - 1
            if more:
                what += f" and {more} other line{'s' if more != 1 else ''}"
        out[inv.id] = f"{what}{due}"[:300]
    return out


def ledger_entries(ctx: Context, school: School) -> list[Entry]:
    """Every document and money movement on one school's account, each by its own number, in date order."""
    entries: list[Entry] = []
    documents = list(ctx.session.scalars(select(Invoice).where(Invoice.school_id == school.id)))
    numbers = {d.id: d.number for d in documents}
    described = _invoice_descriptions(ctx, [d for d in documents if d.kind == "invoice"])
    for doc in documents:
        if doc.kind == "invoice" and doc.purpose == RECHARGE:
            entries.append(Entry(doc.issued_on, "recharge", doc.number, f"Internal recharge: {described[doc.id]}"[:300],
                                 doc.total, ZERO, doc.id))
        elif doc.kind == "invoice":
            kind = "interest" if doc.interest_only else "invoice"
            entries.append(Entry(doc.issued_on, kind, doc.number, described[doc.id], doc.total, ZERO, doc.id))
        else:
            corrected = numbers.get(doc.corrects_id or -1)
            if corrected is None and doc.corrects_id is not None:
                other = ctx.session.get(Invoice, doc.corrects_id)
                corrected = other.number if other else "?"
            reason = f": {doc.reason}" if doc.reason else ""
            write_off = doc.purpose == WRITE_OFF_PURPOSE  # billing.write_offs: a write-off, not a credit note
            label = "Written off" if write_off else "Credit note"
            entries.append(Entry(doc.issued_on, "write_off" if write_off else "credit_note", doc.number,
                                 f"{label} against {corrected}{reason}"[:300], ZERO, doc.total, doc.id))
    for payment in ctx.session.scalars(select(Payment).where(Payment.school_id == school.id)):
        ref = f" ({payment.reference})" if payment.reference else ""
        if payment.method == JOURNAL_METHOD:
            entries.append(Entry(payment.received_on, "journal", f"PAY-{payment.id}",
                                 f"Settled by journal transfer from the school's budget{ref}"[:300],
                                 ZERO, payment.amount, payment.id))
            continue
        entries.append(Entry(payment.received_on, "payment", f"PAY-{payment.id}",
                             f"Payment by {payment.method.upper() if payment.method == 'bacs' else payment.method}{ref}"[:300],
                             ZERO, payment.amount, payment.id))
    for refund in ctx.session.scalars(select(Refund).where(Refund.school_id == school.id)):
        if is_reversing_journal(refund):
            entries.append(Entry(refund.refunded_on, "journal", f"REF-{refund.id}", refund.reason[:300],
                                 refund.amount, ZERO, refund.id, rank=_KIND_ORDER["refund"]))
            continue
        entries.append(Entry(refund.refunded_on, "refund", f"REF-{refund.id}",
                             f"Refund of credit: {refund.reason}"[:300], refund.amount, ZERO, refund.id))
    entries.sort(key=lambda e: (e.on, _KIND_ORDER[e.kind] if e.rank is None else e.rank, e.order))
    return entries


def interest_not_invoiced(ctx: Context, school: School, on: date, late_invoice_id: int | None = None) -> Decimal:
    """Interest raised on the school's late invoices by ``on`` and not invoiced by then (not waived or withdrawn);
    with ``late_invoice_id``, on that one late invoice only (billing.write_offs)."""
    billed_by = (exists().where(InvoiceLine.charge_id == Charge.id, Invoice.id == InvoiceLine.invoice_id,
                                Invoice.issued_on <= on))
    stmt = select(func.sum(Charge.amount)).where(
        Charge.school_id == school.id, Charge.kind == "interest", Charge.status == "due", Charge.due_on <= on,
        ~billed_by)
    if late_invoice_id is not None:
        stmt = stmt.where(Charge.late_invoice_id == late_invoice_id)
    return ctx.session.scalar(stmt) or ZERO


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
        assert inv_id is not None  # a credit note always names its invoice (ck_invoices_credit_names_invoice)
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
        interest_not_invoiced=interest_not_invoiced(ctx, school, end),
    )


def statement_document(ctx: Context, st: Statement) -> StatementDoc:
    """The statement as the frozen document the PDF renderer prints."""

    school = get_school(ctx, st.urn)
    policy = council(ctx)
    supplier = supplier_snapshot(policy)
    rows = []
    for item in (st.entitlements or {}).get("items", []):
        included, used = item.get("included"), int(item.get("used", 0))
        if included == 0 and not used:
            continue  # neither included nor bought: nothing to report
        service = str(item["service"])
        rows.append(EntitlementRow(SERVICE_NAMES.get(service, service), included, used, int(item.get("beyond", 0))))
    return StatementDoc(
        supplier=supplier.party(),
        customer=customer_snapshot(school).party(),
        period_start=st.start, period_end=st.end, as_of=ctx.today,
        opening_balance=st.opening_balance, lines=tuple(st.lines), closing_balance=st.closing_balance,
        overdue=st.overdue, entitlements=tuple(rows), year_name=AcademicYear.of(st.end).name,
        payment=_with_pay_link(ctx, school, payment_details(
            supplier, charges_interest_to(policy, school.type, school.la_code))),
        interest_not_invoiced=st.interest_not_invoiced,
    )


def _with_pay_link(ctx: Context, school: School, details: PaymentDetails | None) -> PaymentDetails | None:
    """When Stripe is configured, the statement links to a card payment for the oldest invoice still owing."""

    if details is None or ctx.pay_page is None:
        return details
    invoices = ctx.session.scalars(select(Invoice).where(
        Invoice.school_id == school.id, Invoice.kind == "invoice").order_by(Invoice.due_on, Invoice.number)).all()
    owing = invoice_outstanding(ctx.session, [i.id for i in invoices])
    oldest = next((i for i in invoices if owing.get(i.id, ZERO) > 0), None)
    return with_pay_link(details, pay_link_if_configured(ctx, oldest.number) if oldest is not None else None)


def write_statement_pdf(ctx: Context, st: Statement, out: Path, force: bool = False) -> Path:
    """Render the statement to ``out`` (folders created as needed; an existing file only with ``force``)."""
    from invoices.statement_pdf import render_statement  # noqa: PLC0415 - fpdf2 loads only where a statement is printed

    database = ctx.session.get_bind().engine.url
    check_output(out, force=force, database_url=database)
    return write_output(out, render_statement(statement_document(ctx, st)), force=force, database_url=database)


def email_statement(ctx: Context, st: Statement, mail: MailSetup) -> MailMessage:
    """Queue the statement's email to the school's finance contacts, its PDF attached (pay link as printed)."""
    from invoices.statement_pdf import render_statement  # noqa: PLC0415 - fpdf2 loads only where a statement is printed

    document = statement_document(ctx, st)
    return queue_statement(ctx, st.urn, st.start, st.end, st.closing_balance, render_statement(document),
                           pay_link=document.payment.pay_link if document.payment is not None else None,
                           setup=mail)
