"""The exported ledger beside the engine's own figures (issue 20: `traded ledger reconcile`).

Ledger side: the lines the batches actually exported, dated up to the as-of day, added
by what each line's account is (debtors control, income, VAT, bank) and by the kind of
event it came from. Engine side: invoices issued, credit notes, payments and refunds
dated up to the as-of day, and the schools' balances outstanding as billing.balances
counts them (what each invoice still owes, less account credit held). Every difference
is zero once everything is exported; otherwise the events not yet in any batch are
listed as the reason. The balances are as they stood at the end of the as-of day, so a
reconciliation as of a past day (a month exported) reads true whatever happened since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute

from billing.balances import WRITE_OFF_PURPOSE
from billing.bulk import among, chunks
from billing.context import Context
from billing.gl.codes import chart
from billing.gl.events import MoneyEvent, unexported_events
from billing.journals import JOURNAL_METHOD, REVERSAL_KEY
from billing.models import Allocation, AllocationRelease, GlBatchEvent, GlBatchLine, Invoice, Payment, Refund
from pricing.errors import NotFound
from pricing.money import ZERO
from pricing.pricebook import LedgerCodes


@dataclass(frozen=True)
class Figure:
    name: str
    ledger: Decimal
    engine: Decimal

    @property
    def difference(self) -> Decimal:
        return self.ledger - self.engine

    def as_json(self) -> dict[str, object]:
        return {"figure": self.name, "ledger": self.ledger, "engine": self.engine, "difference": self.difference}


@dataclass(frozen=True)
class Reconciliation:
    as_of: date
    figures: tuple[Figure, ...]
    unexported: tuple[MoneyEvent, ...]

    @property
    def balanced(self) -> bool:
        return all(f.difference == 0 for f in self.figures)

    def as_json(self) -> dict[str, object]:
        return {"as_of": self.as_of, "balanced": self.balanced, "figures": [f.as_json() for f in self.figures],
                "unexported": [e.as_json() for e in self.unexported]}


def _sum(ctx: Context, column: InstrumentedAttribute[Decimal], *where: ColumnElement[bool]) -> Decimal:
    return ctx.session.scalar(select(func.sum(column)).where(*where)) or ZERO


def _exported(ctx: Context, as_of: date) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(event kind, line role) -> (debits, credits) of the lines exported, dated up to ``as_of``."""
    rows = ctx.session.execute(
        select(GlBatchEvent.kind, GlBatchLine.role, func.sum(GlBatchLine.debit), func.sum(GlBatchLine.credit))
        .join(GlBatchEvent, GlBatchEvent.id == GlBatchLine.event_id)
        .where(GlBatchLine.posted_on <= as_of)
        .group_by(GlBatchEvent.kind, GlBatchLine.role))
    return {(kind, role): (debit or ZERO, credit or ZERO) for kind, role, debit, credit in rows}


def _balances_outstanding(ctx: Context, as_of: date) -> Decimal:
    """What the schools owed at the end of ``as_of``: each invoice issued by then, less the credit documents
    dated by then and the money applied to it by then, less the account credit the schools held then.

    Read as the records stood on that day, so a past day reads true however much happened since: money
    a credit note later freed from a paid invoice (AllocationRelease) counts as applied until the credit
    note's date, and money applied ahead to an invoice not yet issued counts as account credit until it is.
    """
    invoices: dict[int, Decimal] = {invoice_id: total for invoice_id, total in ctx.session.execute(
        select(Invoice.id, Invoice.total).where(Invoice.kind == "invoice", Invoice.issued_on <= as_of))}
    if not invoices:
        return -(_sum(ctx, Payment.amount, Payment.received_on <= as_of)
                 - _sum(ctx, Refund.amount, Refund.refunded_on <= as_of))
    owed = dict(invoices)
    applied_total = ZERO
    for part in chunks(list(invoices)):
        credits = select(Invoice.corrects_id, Invoice.total).where(
            Invoice.kind == "credit_note", Invoice.issued_on <= as_of, among(ctx.session, Invoice.corrects_id, part))
        applied = select(Allocation.invoice_id, Allocation.amount).where(
            Allocation.allocated_on <= as_of, among(ctx.session, Allocation.invoice_id, part))
        freed_later = select(AllocationRelease.invoice_id, AllocationRelease.amount).where(
            AllocationRelease.applied_on <= as_of, AllocationRelease.released_on > as_of,
            among(ctx.session, AllocationRelease.invoice_id, part))
        for query, money_applied in ((credits, False), (applied, True), (freed_later, True)):
            for invoice_id, amount in ctx.session.execute(query):
                if invoice_id is not None:  # always set on a credit note (a CHECK constraint): for the type checker
                    owed[invoice_id] -= amount
                    applied_total += amount if money_applied else ZERO
    held = (_sum(ctx, Payment.amount, Payment.received_on <= as_of) - applied_total
            - _sum(ctx, Refund.amount, Refund.refunded_on <= as_of))
    return sum(owed.values(), ZERO) - held


def reconcile(ctx: Context) -> Reconciliation:
    """The exported ledger's totals beside the engine's, up to the as-of day, and what is not exported yet."""
    on = ctx.today
    lines = _exported(ctx, on)

    def side(kinds: tuple[str, ...], roles: tuple[str, ...], debit_positive: bool) -> Decimal:
        total = ZERO
        for (kind, role), (debit, credit) in lines.items():
            if (not kinds or kind in kinds) and role in roles:
                total += debit - credit if debit_positive else credit - debit
        return total

    def documents(kind: str, column: InstrumentedAttribute[Decimal]) -> Decimal:
        # A write-off is a credit document of its own (billing.write_offs): it posts no income or VAT.
        return _sum(ctx, column, Invoice.kind == kind, Invoice.purpose != WRITE_OFF_PURPOSE, Invoice.issued_on <= on)

    invoiced, credited = documents("invoice", Invoice.total), documents("credit_note", Invoice.total)
    paid = _sum(ctx, Payment.amount, Payment.received_on <= on)
    refunded = _sum(ctx, Refund.amount, Refund.refunded_on <= on)
    journalled = _sum(ctx, Payment.amount, Payment.received_on <= on, Payment.method == JOURNAL_METHOD)
    reversed_ = _sum(ctx, Refund.amount, Refund.refunded_on <= on, Refund.external_key.startswith(REVERSAL_KEY))
    figures = (
        Figure("invoices issued (gross)", side(("invoice",), ("debtors",), True), invoiced),
        Figure("credit notes (gross)", side(("credit_note",), ("debtors",), False), credited),
        Figure("payments received (journals too)", side(("payment",), ("bank", "clearing"), True), paid),
        Figure("refunds paid (reversing journals too)", side(("refund",), ("bank", "clearing"), False), refunded),
        Figure("income (net of credit notes)", side((), ("income", "interest"), False),
               documents("invoice", Invoice.net) - documents("credit_note", Invoice.net)),
        Figure("VAT output", side((), ("vat",), False),
               documents("invoice", Invoice.vat) - documents("credit_note", Invoice.vat)),
        Figure("cash (payments less refunds, by bank)", side((), ("bank",), True),
               paid - journalled - (refunded - reversed_)),
        Figure("journal transfers from maintained schools' budgets", side((), ("clearing",), True),
               journalled - reversed_),
        Figure("debtors control = school balances outstanding", side((), ("debtors",), True),
               _balances_outstanding(ctx, on)),
        Figure("bad debts written off (gross)", side(("write_off",), ("write_off",), True),
               _sum(ctx, Invoice.total, Invoice.purpose == WRITE_OFF_PURPOSE, Invoice.issued_on <= on)),
    )
    try:
        codes = chart(ctx)
    except NotFound:  # no price book: nothing was ever invoiced, and the listing needs no real codes
        codes = LedgerCodes()
    return Reconciliation(on, figures, tuple(unexported_events(ctx, codes, on)))
