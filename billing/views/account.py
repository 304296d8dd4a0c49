"""A school's own account as the portal shows it (issue 18): where it stands today and how to pay.

Read only, one school at a time: every query is filtered by the school's id, so
nothing of another school is read. The balance is the statement's closing
balance on the as-of day (billing.statements: documents by their issue date,
money by the day it moved); overdue is the statement's overdue by age on that
day; what is owing per invoice is the invoice list's outstanding
(billing.balances).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from billing.balances import invoice_figures, invoice_status
from billing.context import Context
from billing.gateway.service import pay_link_if_configured
from billing.journals import settles_by_journal
from billing.models import Invoice, Payment, Refund, School
from billing.pricebooks import council
from billing.statements import interest_not_invoiced, overdue_by_age
from contracts.states import InvoiceStatus
from pricing.errors import NotFound
from pricing.money import ZERO


@dataclass(frozen=True)
class BankDetails:
    """Where to send a BACS payment, from the council's price book."""

    bank: str
    account_name: str
    sort_code: str
    account_number: str
    cheque_payee: str
    terms_days: int

    def as_json(self) -> dict[str, object]:
        return {"bank": self.bank, "account_name": self.account_name, "sort_code": self.sort_code,
                "account_number": self.account_number, "cheque_payee": self.cheque_payee,
                "terms_days": self.terms_days}


@dataclass(frozen=True)
class Owing:
    """An invoice with money still to pay; ``pay_link`` when card payments are set up."""

    number: str
    issued: date
    due: date | None
    outstanding: Decimal
    status: InvoiceStatus
    pay_link: str | None

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "issued": self.issued, "due": self.due, "outstanding": self.outstanding,
                "status": self.status, "pay_link": self.pay_link}


@dataclass(frozen=True)
class AccountView:
    urn: str
    name: str
    as_of: date
    balance: Decimal
    """What the school owes on the as-of day; negative is credit held."""
    overdue_by_age: dict[str, Decimal]
    owing: tuple[Owing, ...]
    """Oldest due first."""
    interest_not_invoiced: Decimal
    bank: BankDetails | None
    """None only when no price book is loaded (nothing has been invoiced then either)."""
    reference: str
    settles_by_journal: bool = False
    """The council's own maintained school: what it is billed is settled by journal, nothing to pay by BACS."""

    @property
    def overdue(self) -> Decimal:
        return sum(self.overdue_by_age.values(), ZERO)

    @property
    def next_due(self) -> date | None:
        """The next due date still ahead (today included) of an invoice owing."""
        ahead = [o.due for o in self.owing if o.due is not None and o.due >= self.as_of]
        return min(ahead) if ahead else None

    @property
    def next_due_amount(self) -> Decimal:
        return sum((o.outstanding for o in self.owing if o.due is not None and o.due == self.next_due), ZERO)

    @property
    def pay_link(self) -> str | None:
        """Pay by card: the oldest invoice owing (the pay page asks for what it owes when clicked)."""
        return next((o.pay_link for o in self.owing if o.pay_link), None)

    def as_json(self) -> dict[str, object]:
        return {"urn": self.urn, "name": self.name, "as_of": self.as_of, "balance": self.balance,
                "overdue": self.overdue, "overdue_by_age": dict(self.overdue_by_age),
                "next_due": self.next_due, "next_due_amount": self.next_due_amount,
                "owing": [o.as_json() for o in self.owing], "interest_not_invoiced": self.interest_not_invoiced,
                "bank": self.bank.as_json() if self.bank is not None else None, "reference": self.reference,
                "pay_link": self.pay_link}


def _sum(ctx: Context, column: InstrumentedAttribute[Decimal], *where: ColumnElement[bool]) -> Decimal:
    return ctx.session.scalar(select(func.sum(column)).where(*where)) or ZERO


def balance_on(ctx: Context, school: School, on: date) -> Decimal:
    """Everything on the school's account dated by ``on``: invoices and refunds less credit notes and payments."""
    charged = _sum(ctx, Invoice.total, Invoice.school_id == school.id, Invoice.kind == "invoice",
                   Invoice.issued_on <= on)
    credited = _sum(ctx, Invoice.total, Invoice.school_id == school.id, Invoice.kind == "credit_note",
                    Invoice.issued_on <= on)
    paid = _sum(ctx, Payment.amount, Payment.school_id == school.id, Payment.received_on <= on)
    refunded = _sum(ctx, Refund.amount, Refund.school_id == school.id, Refund.refunded_on <= on)
    return charged - credited - paid + refunded


def _bank(ctx: Context) -> BankDetails | None:
    try:
        policy = council(ctx)
    except NotFound:
        return None
    return BankDetails(policy.bacs.bank, policy.bacs.account_name, policy.bacs.sort_code,
                       policy.bacs.account_number, policy.cheque_payee, policy.payment_terms_days)


def owing_invoices(ctx: Context, school: School) -> tuple[Owing, ...]:
    """The school's invoices issued by the as-of day with money still to pay, the earliest due first."""
    invoices = list(ctx.session.scalars(select(Invoice).where(
        Invoice.school_id == school.id, Invoice.kind == "invoice", Invoice.issued_on <= ctx.today)))
    figures = invoice_figures(ctx.session, [inv.id for inv in invoices])
    owing = [inv for inv in invoices if figures[inv.id].outstanding > 0]
    owing.sort(key=lambda inv: (inv.due_on or inv.issued_on, inv.issued_on, inv.seq))
    return tuple(Owing(inv.number, inv.issued_on, inv.due_on, figures[inv.id].outstanding,
                       invoice_status(inv, figures[inv.id].outstanding, ctx.today, credited=figures[inv.id].credited,
                                      written_off=figures[inv.id].written_off),
                       pay_link_if_configured(ctx, inv.number)) for inv in owing)


def payment_reference(school: School, owing: tuple[Owing, ...]) -> str:
    """What to quote with a BACS payment so the bank import matches it (billing.bank_import).

    One invoice owing: its number, so the money goes to it. Otherwise the URN: a
    payment naming a school's URN is allocated to its invoices oldest first.
    """
    return owing[0].number if len(owing) == 1 else school.urn


def account_view(ctx: Context, school: School) -> AccountView:
    """The school's account on the as-of day."""
    owing = owing_invoices(ctx, school)
    return AccountView(
        urn=school.urn, name=school.name, as_of=ctx.today, balance=balance_on(ctx, school, ctx.today),
        overdue_by_age=overdue_by_age(ctx, school, ctx.today), owing=owing,
        interest_not_invoiced=interest_not_invoiced(ctx, school, ctx.today), bank=_bank(ctx),
        reference=payment_reference(school, owing), settles_by_journal=_by_journal(ctx, school),
    )


def _by_journal(ctx: Context, school: School) -> bool:
    try:
        return settles_by_journal(council(ctx), school)
    except NotFound:
        return False


# --- the school's documents -------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    """An invoice or credit note of the school; ``outstanding`` and ``status`` for an invoice only."""

    number: str
    kind: str
    """``invoice``, ``interest`` (an interest-only invoice), ``recharge`` (settled by journal, issue 20) or ``credit_note``."""
    issued: date
    due: date | None
    total: Decimal
    corrects: str | None
    reason: str | None
    outstanding: Decimal | None
    status: InvoiceStatus | None
    pay_link: str | None

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "kind": self.kind, "issued": self.issued, "due": self.due,
                "total": self.total, "corrects": self.corrects, "reason": self.reason,
                "outstanding": self.outstanding, "status": self.status, "pay_link": self.pay_link}


def school_documents(ctx: Context, school: School) -> list[DocumentRow]:
    """The school's invoices and credit notes issued by the as-of day, newest first."""
    corrected = aliased(Invoice)
    rows = list(ctx.session.execute(
        select(Invoice, corrected.number).outerjoin(corrected, corrected.id == Invoice.corrects_id)
        .where(Invoice.school_id == school.id, Invoice.issued_on <= ctx.today)
        .order_by(Invoice.issued_on.desc(), Invoice.series, Invoice.seq.desc())))
    figures = invoice_figures(ctx.session, [doc.id for doc, _ in rows if doc.kind == "invoice"])
    out = []
    for doc, corrects in rows:
        if doc.kind != "invoice":
            out.append(DocumentRow(doc.number, "credit_note", doc.issued_on, None, doc.total, corrects, doc.reason,
                                   None, None, None))
            continue
        fig = figures[doc.id]
        out.append(DocumentRow(
            doc.number, "recharge" if doc.purpose == "recharge" else "interest" if doc.interest_only else "invoice",
            doc.issued_on, doc.due_on, doc.total,
            None, None, fig.outstanding, invoice_status(doc, fig.outstanding, ctx.today, credited=fig.credited,
                                                             written_off=fig.written_off),
            pay_link_if_configured(ctx, doc.number) if fig.outstanding > 0 else None))
    return out
