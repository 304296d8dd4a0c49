"""Settlement by journal for the council's own maintained schools (issue 20, docs/rules.md §7).

A maintained school is part of the council, so a charge to it is an internal recharge,
not a sale. With the price book's ``council.journal.settle_maintained_by_journal`` on (the
default), each document the bill run would issue such a school is a **recharge**: purpose
``recharge``, numbered in its own gap-free series (``JNL-000001``), outside the scope of VAT,
with no due date, and settled on its issue date by a **journal transfer** from the school's
budget: a payment of method ``journal`` (source ``journal``, its reference the recharge's
number) allocated to it in full. So a recharge never owes anything: no interest, no
reminder, nothing in aged debt; the statement shows it and the journal that settled it.

A credit note against a recharge is settled the other way by a **reversing journal** on the
credit note's date: the credit frees that much of the journal's allocation (as any credit
note on a paid invoice does, billing.invoicing.release_overpayment), and the freed money is
handed back to the school's budget at once as a refund marked as a journal, so no account
credit is left behind and the school's balance stays exactly zero.

A maintained school that will not use journals (``schools.journal_opt_out``, set by
``traded school edit URN --no-journal``) is invoiced as any customer (BACS, the council's
terms), with one line of the price book's ``opt_out_admin_charge`` on each invoice (not on
an interest invoice): a charge of kind ``admin_charge``, outside the scope of VAT. With the
setting off, maintained schools are invoiced as before and no admin charge is added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select

from billing.balances import RECHARGE_PURPOSE
from billing.bulk import insert_rows
from billing.charges import NewCharge, audit_many, raise_charges
from billing.context import Context
from billing.models import Allocation, Payment, Refund, School
from invoices.formats import doc_date
from pricing.pricebook import Council
from pricing.vat import OUTSIDE_SCOPE, customer_vat_class

JOURNAL_METHOD = "journal"
JOURNAL_SOURCE = "journal"
RECHARGE = RECHARGE_PURPOSE
ADMIN_CHARGE_KIND = "admin_charge"
ADMIN_CHARGE_CODE = "admin_charge"
REVERSAL_KEY = "journal-reversal:"
"""A reversing journal's refund is keyed by the credit note's number, so it is recorded once only."""


class JournalCustomer(Protocol):
    """What the decision reads of a school (a School, or the bill run's plain row)."""

    @property
    def type(self) -> str: ...
    @property
    def la_code(self) -> str | None: ...
    @property
    def journal_opt_out(self) -> bool: ...


def _own_maintained(c: Council, school: JournalCustomer) -> bool:
    return customer_vat_class(school.type, school.la_code, c.la_code) == "own_maintained"


def settles_by_journal(c: Council, school: JournalCustomer) -> bool:
    """Whether what the school is billed is a journal recharge: the council's own maintained school, not opted out."""
    return (c.journal.settle_maintained_by_journal and _own_maintained(c, school)
            and not bool(school.journal_opt_out))


def pays_admin_charge(c: Council, school: JournalCustomer) -> bool:
    """Whether each invoice to the school carries the opt-out's admin charge (an opted-out maintained school)."""
    return (c.journal.settle_maintained_by_journal and _own_maintained(c, school)
            and bool(school.journal_opt_out) and c.journal.opt_out_admin_charge > 0)


def admin_charge_description(on: date) -> str:
    return f"Administration charge: invoiced instead of settled by journal transfer ({doc_date(on)})"


def raise_admin_charges(ctx: Context, c: Council, wanted: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Raise the admin charge for each ``(school id, first charge id)`` of an invoice about to be issued.

    Keyed by the invoice's first charge, which sits on that invoice only, so the same invoice
    never gets two and a run repeated (or finished after a crash) raises none twice. Returns
    school id → the new charge's id. The caller issues the charge on that invoice, in the same
    transaction: a batch rolled back takes its admin charges with it.
    """
    if not wanted:
        return {}
    schools = {s.id: s for s in ctx.session.scalars(select(School).where(School.id.in_([w[0] for w in wanted])))}
    news = [NewCharge(school=schools[school_id], kind=ADMIN_CHARGE_KIND, source_key=f"admin/{first}",
                      service_code=ADMIN_CHARGE_CODE, description=admin_charge_description(ctx.today),
                      due_on=ctx.today, amount=c.journal.opt_out_admin_charge, item_vat_code=OUTSIDE_SCOPE)
            for school_id, first in wanted]
    raised = raise_charges(ctx, news)
    return {charge.school_id: charge.id for charge in raised}


@dataclass(frozen=True)
class Recharge:
    """A recharge just issued, to be settled by journal on its issue date."""

    invoice_id: int
    number: str
    school_id: int
    urn: str
    total: Decimal
    issued_on: date


def settle_recharges(ctx: Context, recharges: Sequence[Recharge]) -> int:
    """Settle each recharge in full by a journal transfer dated its issue date; how many payments were made.

    One payment per recharge (method and source ``journal``, reference the recharge's number,
    ``external_key`` ``journal:NUMBER`` so it can never be recorded twice), allocated to it in
    full, each audited. A recharge of 0.00 (a covered order) owes nothing and needs no journal.
    """
    due = [r for r in recharges if r.total > 0]
    if not due:
        return 0
    now = ctx.now
    ids = insert_rows(ctx.session, Payment, [
        {"school_id": r.school_id, "amount": r.total, "received_on": r.issued_on, "method": JOURNAL_METHOD,
         "reference": r.number, "source": JOURNAL_SOURCE, "external_key": f"journal:{r.number}",
         "created_at": now, "actor": ctx.actor}
        for r in due], return_ids=True)
    insert_rows(ctx.session, Allocation, [
        {"payment_id": payment_id, "invoice_id": r.invoice_id, "amount": r.total, "allocated_on": r.issued_on,
         "created_at": now}
        for payment_id, r in zip(ids, due, strict=True)])
    audit_many(ctx, [
        ("payment.journal", "payment", payment_id, {
            "school": r.urn, "amount": str(r.total), "received_on": r.issued_on.isoformat(),
            "method": JOURNAL_METHOD, "reference": r.number, "source": JOURNAL_SOURCE,
            "allocations": [{"invoice": r.number, "amount": str(r.total)}]})
        for payment_id, r in zip(ids, due, strict=True)], plain=True)
    return len(due)


def reverse_journal(ctx: Context, school: School, recharge_number: str, credit_note_number: str,
                    on: date, released: Decimal) -> Refund | None:
    """Hand back to the school's budget, by a reversing journal on ``on``, what a credit note freed on a recharge.

    ``released`` is the journal allocation the credit note released (account credit for the
    moment); it is refunded at once as a journal so none is left on the account.
    """
    if released <= 0:
        return None
    payment_id = ctx.session.scalar(select(Payment.id).where(Payment.external_key == f"journal:{recharge_number}"))
    refund = Refund(school_id=school.id, payment_id=payment_id, amount=released, refunded_on=on,
                    reason=f"Reversing journal transfer to the school's budget: credit note {credit_note_number} "
                           f"against recharge {recharge_number}",
                    external_key=f"{REVERSAL_KEY}{credit_note_number}", created_at=ctx.now, actor=ctx.actor)
    ctx.session.add(refund)
    ctx.session.flush()
    ctx.audit("refund.journal", "refund", refund.id,
              {"school": school.urn, "amount": released, "on": on, "recharge": recharge_number,
               "credit_note": credit_note_number},
              reason="a credit note against a recharge is settled by a reversing journal")
    return refund


def is_reversing_journal(refund: Refund) -> bool:
    """Whether a refund is a reversing journal (a credit note against a recharge), not money paid back by bank."""
    return bool(refund.external_key and refund.external_key.startswith(REVERSAL_KEY))
