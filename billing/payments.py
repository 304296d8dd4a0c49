"""Recording payments, allocating them to invoices, and refunding account credit (domain-rules §8).

A payment is allocated to the invoices it names first, then to the school's
other open invoices oldest first (by due date, then number). An allocation
never takes more than an invoice's outstanding amount; what is left over stays
on the school's account as credit, which :func:`allocate_credit` applies to
invoices issued later and :func:`refund_credit` can pay back.

A school's unallocated credit = its payments − their allocations − its refunds.
Refunds are drawn from the oldest payments' unallocated money first, so the
credit left on each payment is well defined when it is allocated later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from billing.balances import invoice_outstanding
from billing.bulk import among
from billing.context import Context
from billing.invoice_history import balance_changes
from billing.models import Allocation, AllocationRelease, Invoice, Payment, Refund, School
from billing.schools import get_school
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.money import ZERO, parse_money
from pricing.text import clean_optional_line, clean_reason

METHODS = ("bacs", "cheque", "card")
SOURCES = ("manual", "import", "stripe")


@dataclass(frozen=True)
class AllocationLine:
    invoice: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentResult:
    """A payment as recorded: its allocations and the part left as account credit."""

    id: int
    urn: str
    amount: Decimal
    received_on: date
    method: str
    allocations: list[AllocationLine]
    unallocated: Decimal
    already_recorded: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id, "urn": self.urn, "amount": self.amount, "received_on": self.received_on,
            "method": self.method,
            "allocations": [{"invoice": a.invoice, "amount": a.amount} for a in self.allocations],
            "unallocated": self.unallocated, "already_recorded": self.already_recorded,
        }


@dataclass(frozen=True)
class CreditAllocation:
    """What :func:`allocate_credit` applied: per invoice, and the credit still unallocated."""

    urn: str
    allocations: list[AllocationLine] = field(default_factory=list)
    remaining_credit: Decimal = ZERO


def parse_amount(text: str | Decimal, what: str = "amount") -> Decimal:
    """A positive amount of money to the penny, from a CLI string, a file or a Decimal.

    Read by :func:`pricing.money.parse_money` (grouping, £, ASCII digits, at most
    9,999,999,999.99); a gateway's pence arrive here as a Decimal and get the same bound.
    """
    return parse_money(text, what, positive=True)


def _lock_school(ctx: Context, school: School) -> None:
    # Serialise allocation for one school (PostgreSQL); SQLite already holds the write lock.
    ctx.session.execute(select(School.id).where(School.id == school.id).with_for_update())


def _open_invoices(ctx: Context, school: School) -> list[tuple[Invoice, Decimal]]:
    """The school's invoices with money outstanding, oldest first (due date, then number)."""
    invoices = list(ctx.session.scalars(
        select(Invoice).where(Invoice.school_id == school.id, Invoice.kind == "invoice")
    ))
    outstanding = invoice_outstanding(ctx.session, [i.id for i in invoices])
    open_ = [(i, outstanding[i.id]) for i in invoices if outstanding.get(i.id, ZERO) > 0]
    open_.sort(key=lambda pair: (pair[0].due_on or pair[0].issued_on, pair[0].number))
    return open_


def _allocate(ctx: Context, payment: Payment, available: Decimal, school: School,
              named: Sequence[Invoice], on: date) -> list[AllocationLine]:
    """Spend ``available`` of ``payment`` on ``named`` invoices, then the oldest open ones."""
    open_ = _open_invoices(ctx, school)
    remaining = {inv.id: left for inv, left in open_}
    named_ids = {inv.id for inv in named}
    order = [*named, *(inv for inv, _ in open_ if inv.id not in named_ids)]
    lines: list[AllocationLine] = []
    for invoice in order:
        if available <= 0:
            break
        take = min(available, remaining.get(invoice.id, ZERO))
        if take <= 0:
            continue
        ctx.session.add(Allocation(payment_id=payment.id, invoice_id=invoice.id, amount=take,
                                   allocated_on=on, created_at=ctx.now))
        remaining[invoice.id] -= take
        available -= take
        lines.append(AllocationLine(invoice.number, take))
    ctx.session.flush()
    return lines


def _attribute_history(ctx: Context, payment: Payment, left: Decimal, school: School,
                       named: Sequence[Invoice], on: date) -> None:
    """Record what a payment recorded late would have paid on the day it was received (§8).

    Money that finds nothing open today may have paid an invoice that was still
    owing on its received date, before a credit note or a later-received payment
    (recorded earlier) settled it. It stays account credit, but is kept as a
    release so the invoice's history (billing.invoice_history) counts it paid
    from ``on``: money comes out the same whatever order things are recorded in.
    """
    if left <= 0:
        return

    invoices = list(ctx.session.scalars(
        select(Invoice).where(Invoice.school_id == school.id, Invoice.kind == "invoice", Invoice.issued_on <= on)
    ))
    if not invoices:
        return

    # What each invoice's own history says was owing at the end of ``on`` (this payment's allocations included).
    history = balance_changes(ctx, [i.id for i in invoices])
    owed = {i.id: i.total + sum((c.amount for c in history.get(i.id, []) if c.on <= on), ZERO) for i in invoices}
    named_ids = {i.id for i in named}
    invoices.sort(key=lambda i: (i.id not in named_ids, i.due_on or i.issued_on, i.number))
    for invoice in invoices:
        take = min(left, owed[invoice.id])
        if take <= 0:
            continue
        ctx.session.add(AllocationRelease(payment_id=payment.id, invoice_id=invoice.id, credit_note_id=None,
                                          amount=take, applied_on=on, released_on=ctx.today, created_at=ctx.now))
        ctx.audit("payment.release", "payment", payment.id,
                  {"invoice": invoice.number, "released": take, "applied_on": on},
                  reason="received while the invoice was owing, recorded after it was settled; kept as account credit")
        left -= take
        if left <= 0:
            break
    ctx.session.flush()


def _allocated(ctx: Context, payment_ids: Sequence[int]) -> dict[int, Decimal]:
    if not payment_ids:
        return {}
    rows = ctx.session.execute(
        select(Allocation.payment_id, func.sum(Allocation.amount))
        .where(Allocation.payment_id.in_(payment_ids)).group_by(Allocation.payment_id)
    )
    return {pid: amount or ZERO for pid, amount in rows}


def _result(ctx: Context, payment: Payment, already: bool) -> PaymentResult:
    rows = ctx.session.execute(
        select(Invoice.number, Allocation.amount).join(Invoice, Invoice.id == Allocation.invoice_id)
        .where(Allocation.payment_id == payment.id).order_by(Allocation.id)
    ).all()
    allocations = [AllocationLine(number, amount) for number, amount in rows]
    school = ctx.session.get(School, payment.school_id)
    assert school is not None
    return PaymentResult(
        id=payment.id, urn=school.urn, amount=payment.amount, received_on=payment.received_on,
        method=payment.method, allocations=allocations,
        unallocated=payment.amount - sum((a.amount for a in allocations), ZERO),
        already_recorded=already,
    )


def record_payment(
    ctx: Context,
    urn: str,
    amount: Decimal,
    received_on: date,
    method: str,
    invoice_numbers: Sequence[str] = (),
    reference: str | None = None,
    source: str = "manual",
    external_key: str | None = None,
) -> PaymentResult:
    """Record money received and allocate it: named invoices first, then oldest first (§8).

    Never allocates more than an invoice's outstanding amount; the rest stays as
    account credit. A payment whose ``external_key`` is already recorded is
    returned as it is, and nothing is recorded twice.
    """
    if external_key is not None:
        existing = ctx.session.scalar(select(Payment).where(Payment.external_key == external_key))
        if existing is not None:
            return _result(ctx, existing, already=True)
    school = get_school(ctx, urn)
    amount = parse_amount(amount, "payment amount")
    if method not in METHODS:
        raise InvalidInput(f"payment method {method!r} must be one of {', '.join(METHODS)}")
    if source not in SOURCES:
        raise InvalidInput(f"payment source {source!r} must be one of {', '.join(SOURCES)}")
    if not isinstance(received_on, date):
        raise InvalidInput(f"payment date {received_on!r} must be a date")
    if received_on > ctx.today:
        raise RuleViolation(f"a payment received on {received_on} is after today ({ctx.today})",
                            code="future_payment")
    if source == "manual":  # typed by a person: one line of plain text (pricing.text)
        reference = clean_optional_line(reference, "payment reference", 140)
    elif reference is not None and len(reference) > 140:  # from a bank file or Stripe, kept as received
        raise InvalidInput("payment reference is longer than 140 characters")
    named: list[Invoice] = []
    for number in invoice_numbers:
        invoice = ctx.session.scalar(select(Invoice).where(Invoice.number == number.strip().upper()))
        if invoice is None or invoice.kind != "invoice":
            raise NotFound(f'no invoice numbered "{number}"', code="unknown_invoice")
        if invoice.school_id != school.id:
            raise RuleViolation(f'invoice "{invoice.number}" is not an invoice of school {school.urn}',
                                code="other_school_invoice")
        if invoice.purpose == "recharge":
            # Settled on issue by journal transfer: money named for it would only sit as account credit.
            raise RuleViolation(f"{invoice.number} is an internal recharge, settled by journal transfer from the "
                                "school's budget: there is nothing to pay on it", code="recharge_settled")
        if invoice not in named:
            named.append(invoice)
    _lock_school(ctx, school)
    payment = Payment(school_id=school.id, amount=amount, received_on=received_on, method=method,
                      reference=reference, source=source, external_key=external_key,
                      created_at=ctx.now, actor=ctx.actor)
    ctx.session.add(payment)
    ctx.session.flush()
    lines = _allocate(ctx, payment, amount, school, named, received_on)
    _attribute_history(ctx, payment, amount - sum((a.amount for a in lines), ZERO), school, named, received_on)
    ctx.audit("payment.record", "payment", payment.id, {
        "school": school.urn, "amount": amount, "received_on": received_on, "method": method,
        "reference": reference, "source": source,
        "allocations": [{"invoice": a.invoice, "amount": a.amount} for a in lines],
    })
    return _result(ctx, payment, already=False)


def _free_by_payment(ctx: Context, school: School) -> list[tuple[Payment, Decimal]]:
    """Each payment's money not yet allocated, after refunds are drawn from the oldest first."""
    payments = list(ctx.session.scalars(
        select(Payment).where(Payment.school_id == school.id).order_by(Payment.received_on, Payment.id)
    ))
    allocated = _allocated(ctx, [p.id for p in payments])
    refunded = ctx.session.scalar(
        select(func.sum(Refund.amount)).where(Refund.school_id == school.id)
    ) or ZERO
    free: list[tuple[Payment, Decimal]] = []
    for payment in payments:
        left = payment.amount - allocated.get(payment.id, ZERO)
        drawn = min(left, refunded)
        refunded -= drawn
        left -= drawn
        if left > 0:
            free.append((payment, left))
    return free


def account_credit(ctx: Context, urn: str) -> Decimal:
    """Money the school has paid that is on no invoice and not refunded."""
    school = get_school(ctx, urn)
    return sum((left for _, left in _free_by_payment(ctx, school)), ZERO)


def schools_with_credit(ctx: Context, school_ids: Iterable[int] | None = None) -> list[str]:
    """URNs of schools holding unallocated, unrefunded money (three grouped queries, no per-school loop)."""
    wanted = None if school_ids is None else set(school_ids)

    def by_school(query: Any) -> dict[int, Decimal]:
        return {sid: total for sid, total in ctx.session.execute(query)}

    def only_wanted(query: Any, column: Any) -> Any:
        return query if wanted is None else query.where(among(ctx.session, column, sorted(wanted)))

    paid = by_school(only_wanted(select(Payment.school_id, func.sum(Payment.amount)), Payment.school_id)
                     .group_by(Payment.school_id))
    allocated = by_school(only_wanted(select(Payment.school_id, func.sum(Allocation.amount))
                                      .join(Allocation, Allocation.payment_id == Payment.id), Payment.school_id)
                          .group_by(Payment.school_id))
    refunded = by_school(only_wanted(select(Refund.school_id, func.sum(Refund.amount)), Refund.school_id)
                         .group_by(Refund.school_id))
    ids = [sid for sid, amount in paid.items()
           if (wanted is None or sid in wanted)
           and amount - allocated.get(sid, ZERO) - refunded.get(sid, ZERO) > 0]
    if not ids:
        return []
    return list(ctx.session.scalars(select(School.urn).where(School.id.in_(ids)).order_by(School.urn)))


def allocate_credit(ctx: Context, urn: str) -> CreditAllocation:
    """Apply the school's unallocated credit to its open invoices, oldest payment to oldest invoice (§8).

    Run after a bill run so an overpayment settles the next invoice.
    """
    school = get_school(ctx, urn)
    _lock_school(ctx, school)
    lines: list[AllocationLine] = []
    remaining = ZERO
    for payment, left in _free_by_payment(ctx, school):
        made = _allocate(ctx, payment, left, school, (), ctx.today)
        if made:
            ctx.audit("payment.allocate_credit", "payment", payment.id, {
                "school": school.urn,
                "allocations": [{"invoice": a.invoice, "amount": a.amount} for a in made],
            })
        lines.extend(made)
        remaining += left - sum((a.amount for a in made), ZERO)
    return CreditAllocation(urn=school.urn, allocations=lines, remaining_credit=remaining)


@dataclass(frozen=True)
class RefundResult:
    id: int
    urn: str
    amount: Decimal
    refunded_on: date
    remaining_credit: Decimal
    already_recorded: bool = False

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "urn": self.urn, "amount": self.amount, "on": self.refunded_on,
                "remaining_credit": self.remaining_credit}


def refund_credit(ctx: Context, urn: str, amount: Decimal, on: date, reason: str,
                  external_key: str | None = None) -> RefundResult:
    """Pay back unallocated account credit to the school, with a recorded reason (§8).

    Refused when the school holds less credit than ``amount``.
    """
    school = get_school(ctx, urn)
    if external_key is not None:
        existing = ctx.session.scalar(select(Refund).where(Refund.external_key == external_key))
        if existing is not None:
            return RefundResult(existing.id, school.urn, existing.amount, existing.refunded_on,
                                account_credit(ctx, urn), already_recorded=True)
    amount = parse_amount(amount, "refund amount")
    reason = clean_reason(reason, "refund reason")  # printed on the school's statement
    if on > ctx.today:
        raise RuleViolation(f"a refund on {on} is after today ({ctx.today})", code="future_refund")
    _lock_school(ctx, school)
    credit = account_credit(ctx, urn)
    if amount > credit:
        raise RuleViolation(f"school {school.urn} holds {credit} of credit; {amount} cannot be refunded",
                            code="insufficient_credit")
    refund = Refund(school_id=school.id, amount=amount, refunded_on=on, reason=reason,
                    external_key=external_key, created_at=ctx.now, actor=ctx.actor)
    ctx.session.add(refund)
    ctx.session.flush()
    ctx.audit("refund.record", "refund", refund.id, {"school": school.urn, "amount": amount, "on": on},
              reason=reason)
    return RefundResult(refund.id, school.urn, amount, on, credit - amount)
