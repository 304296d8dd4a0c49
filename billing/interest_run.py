"""Raising and waiving late-payment interest (domain-rules §8).

Per invoice: simple daily interest from the day after the due date on the gross
balance outstanding each day, up to the as-of date (days after full payment
have no balance and earn nothing). The balance changes on the day a payment was
*received* (the payment's date, not the day it was allocated) and on the day a
credit note was issued. The arithmetic is pricing.interest.interest_due.

Each run raises one ``interest`` charge per invoice for the days it covers and
records the last of them in the charge's ``period_end``; the next run starts on
the day after, so no day is charged twice. A charge is billed by the next bill
run (on an interest-only invoice) and never earns interest itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from billing.bulk import among
from billing.charges import NewCharge, is_invoiced, raise_charge_ids
from billing.context import Context
from billing.models import Allocation, Charge, Invoice, InvoiceLine, Payment, School
from billing.pricebooks import council
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.interest import BalanceChange, InterestResult, interest_due
from pricing.money import ZERO
from pricing.vat import INTEREST_VAT_CODE, customer_vat_class

INTEREST_SERVICE_CODE = "interest"


@dataclass(frozen=True)
class InterestCharge:
    invoice: str
    urn: str
    charge_id: int
    period_start: date
    period_end: date
    days: int
    amount: Decimal


@dataclass(frozen=True)
class InterestRun:
    as_of: date
    charges: list[InterestCharge]

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of,
            "charges": [{"invoice": c.invoice, "urn": c.urn, "id": c.charge_id, "from": c.period_start,
                         "to": c.period_end, "days": c.days, "amount": c.amount} for c in self.charges],
            "total": self.total,
        }


def balance_changes(ctx: Context, invoice_ids: list[int]) -> dict[int, list[BalanceChange]]:
    """Per invoice: payments (dated by the payment's receipt) and credit notes (by issue), as negatives."""
    changes: dict[int, list[BalanceChange]] = defaultdict(list)
    if not invoice_ids:
        return changes
    paid = ctx.session.execute(
        select(Allocation.invoice_id, Payment.received_on, Allocation.amount)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(among(ctx.session, Allocation.invoice_id, invoice_ids))
    )
    for invoice_id, on, amount in paid:
        changes[invoice_id].append(BalanceChange(on, -amount))
    credited = ctx.session.execute(
        select(Invoice.corrects_id, Invoice.issued_on, Invoice.total)
        .where(Invoice.kind == "credit_note", among(ctx.session, Invoice.corrects_id, invoice_ids))
    )
    for invoice_id, on, amount in credited:
        changes[invoice_id].append(BalanceChange(on, -amount))
    return changes


def _last_charged(ctx: Context, invoice_ids: list[int]) -> dict[int, date]:
    if not invoice_ids:
        return {}
    rows = ctx.session.execute(
        select(Charge.late_invoice_id, func.max(Charge.period_end))
        .where(Charge.kind == "interest", among(ctx.session, Charge.late_invoice_id, invoice_ids))
        .group_by(Charge.late_invoice_id)
    )
    return {inv_id: last for inv_id, last in rows if last is not None}


def _chargeable(ctx: Context, school_type: str, la_code: str | None) -> bool:
    policy = council(ctx)
    if policy.interest.charge_own_maintained:
        return True
    return customer_vat_class(school_type, la_code, policy.la_code) != "own_maintained"


CHUNK = 2000
"""Late invoices worked on at a time: memory stays flat however many there are."""


def run_interest(ctx: Context, as_of: date | None = None) -> InterestRun:
    """Raise the interest earned up to ``as_of`` (default: today) on every late invoice, once (§8).

    Skips interest-only invoices, the council's own maintained schools (unless
    the policy says otherwise) and amounts that round to £0.00. Reads only the
    columns it needs (no document snapshots), a chunk of invoices at a time.
    """
    through = as_of or ctx.today
    if through > ctx.today:
        raise RuleViolation(f"interest cannot be raised up to {through}, after today ({ctx.today})")
    policy = council(ctx).interest
    late = [
        (inv_id, number, total, due_on, school_id)
        for inv_id, number, total, due_on, school_id, school_type, la_code in ctx.session.execute(
            select(Invoice.id, Invoice.number, Invoice.total, Invoice.due_on, Invoice.school_id,
                   School.type, School.la_code)
            .join(School, School.id == Invoice.school_id)
            .where(Invoice.kind == "invoice", Invoice.interest_only.is_(False),
                   Invoice.due_on.is_not(None), Invoice.due_on < through)
            .order_by(Invoice.due_on, Invoice.number)
        )
        if _chargeable(ctx, school_type, la_code)
    ]
    raised: list[InterestCharge] = []
    for at in range(0, len(late), CHUNK):
        raised.extend(_raise_chunk(ctx, late[at:at + CHUNK], through, policy.annual_rate, policy.basis_days))
    ctx.audit("interest.run", "interest_run", through.isoformat(),
              {"charges": len(raised), "total": sum((c.amount for c in raised), ZERO)})
    return InterestRun(through, raised)


def _raise_chunk(ctx: Context, late: list[tuple[int, str, Decimal, date, int]], through: date,
                 annual_rate: Decimal, basis_days: int) -> list[InterestCharge]:
    """Interest on one chunk of late invoices (in the run's order), raised in one batched insert."""
    ids = [inv_id for inv_id, *_ in late]
    changes = balance_changes(ctx, ids)
    last = _last_charged(ctx, ids)
    due: list[tuple[int, str, date, int, date, InterestResult]] = []
    for inv_id, number, total, due_on, school_id in late:
        start = max(due_on, last.get(inv_id, due_on)) + timedelta(days=1)
        if start > through:
            continue
        result = interest_due(total, due_on, changes.get(inv_id, []), start, through, annual_rate, basis_days)
        if result.amount > 0:
            due.append((inv_id, number, due_on, school_id, start, result))
    if not due:
        return []
    # Only the schools that owe interest (most late invoices have been paid by now).
    school_ids = sorted({school_id for _, _, _, school_id, _, _ in due})
    schools = {s.id: s for s in ctx.session.scalars(select(School).where(among(ctx.session, School.id, school_ids)))}
    news = [NewCharge(
        school=schools[school_id], kind="interest",
        source_key=f"interest/{number}/{start.isoformat()}/{through.isoformat()}",
        service_code=INTEREST_SERVICE_CODE,
        description=(f"Late-payment interest on {number} (due {due_on.isoformat()}), "
                     f"{start.isoformat()} to {through.isoformat()}, {result.days} days"),
        due_on=through, amount=result.amount, item_vat_code=INTEREST_VAT_CODE,
        quantity=Decimal(result.days), unit_price=result.amount,
        period_start=start, period_end=through, late_invoice_id=inv_id,
        detail={"days": result.days, "rate": str(annual_rate), "basis_days": basis_days,
                "stretches": [{"start": s.start.isoformat(), "end": s.end.isoformat(), "days": s.days,
                               "balance": str(s.balance)} for s in result.stretches]},
    ) for inv_id, number, due_on, school_id, start, result in due]
    charge_ids = raise_charge_ids(ctx, news)
    return [InterestCharge(number, schools[school_id].urn, charge_id, start, through, result.days, result.amount)
            for charge_id, (_, number, _, school_id, start, result) in zip(charge_ids, due, strict=True)]


@dataclass(frozen=True)
class Waiver:
    charge_id: int
    invoice: str
    amount: Decimal
    outcome: str  # "waived" (not yet invoiced) or "credit_note"
    credit_note: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"id": self.charge_id, "invoice": self.invoice, "amount": self.amount,
                "outcome": self.outcome, "credit_note": self.credit_note}


def waive_interest(ctx: Context, charge_id: int, reason: str) -> Waiver:
    """Waive an interest charge, with a recorded reason (§8).

    Not yet invoiced: the charge is marked waived and never billed. Already
    invoiced: a credit note for its amount is issued against that invoice.
    """
    if not reason or not reason.strip():
        raise InvalidInput("waiving interest needs a reason")
    charge = ctx.session.get(Charge, charge_id)
    if charge is None or charge.kind != "interest":
        raise NotFound(f"no interest charge {charge_id}", code="unknown_interest")
    late = ctx.session.get(Invoice, charge.late_invoice_id) if charge.late_invoice_id else None
    late_number = late.number if late else ""
    if charge.status == "waived" or (charge.detail or {}).get("waived_by"):
        raise RuleViolation(f"interest charge {charge_id} is already waived", code="already_waived")
    if charge.status == "withdrawn":
        raise RuleViolation(f"interest charge {charge_id} was withdrawn", code="withdrawn")
    if not is_invoiced(ctx, charge):
        charge.status = "waived"
        ctx.audit("interest.waive", "charge", charge.id, {"amount": charge.amount, "invoice": late_number},
                  reason=reason.strip())
        return Waiver(charge.id, late_number, charge.amount, "waived")
    from billing.invoicing import issue_credit_note

    billed = ctx.session.scalar(
        select(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(InvoiceLine.charge_id == charge.id)
    )
    assert billed is not None
    note = issue_credit_note(ctx, billed.number, charge.amount, reason.strip())
    # Kept "due" (it was billed); the detail records the waiver so it is not waived twice.
    charge.detail = {**(charge.detail or {}), "waived_by": note.number}
    ctx.audit("interest.waive", "charge", charge.id,
              {"amount": charge.amount, "invoice": late_number, "credit_note": note.number}, reason=reason.strip())
    return Waiver(charge.id, late_number, charge.amount, "credit_note", note.number)
