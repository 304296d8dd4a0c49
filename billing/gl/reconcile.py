"""The exported ledger beside the engine's own figures (issue 20: `traded ledger reconcile`).

Ledger side: the lines the batches actually exported, dated up to the as-of day, added
by what each line's account is (debtors control, income, VAT, bank) and by the kind of
event it came from. Engine side: invoices issued, credit notes, payments and refunds
dated up to the as-of day, and the schools' balances outstanding as billing.balances
counts them (what each invoice still owes, less account credit held). Every difference
is zero once everything is exported; otherwise the events not yet in any batch are
listed as the reason. The balances are today's, so read them as of a day after which
nothing is dated (the default: the as-of day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute

from billing.balances import WRITE_OFF_PURPOSE, invoice_outstanding
from billing.context import Context
from billing.gl.codes import chart
from billing.gl.events import MoneyEvent, unexported_events
from billing.journals import JOURNAL_METHOD, REVERSAL_KEY
from billing.models import Allocation, GlBatchEvent, GlBatchLine, Invoice, Payment, Refund
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
    """What the schools owe by billing.balances: each invoice's outstanding, less account credit held."""
    invoices = list(ctx.session.scalars(select(Invoice.id).where(Invoice.kind == "invoice",
                                                                 Invoice.issued_on <= as_of)))
    owed = sum(invoice_outstanding(ctx.session, invoices).values(), ZERO) if invoices else ZERO
    paid = _sum(ctx, Payment.amount, Payment.received_on <= as_of)
    allocated = ctx.session.scalar(select(func.sum(Allocation.amount)).join(Payment, Payment.id == Allocation.payment_id)
                                   .where(Payment.received_on <= as_of)) or ZERO
    refunded = _sum(ctx, Refund.amount, Refund.refunded_on <= as_of)
    return owed - (paid - allocated - refunded)


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
