"""What the manager's reports read from the ledger: issued invoice lines and delivered hours.

Income is what was invoiced, net of VAT (VAT is not the service's income), on
documents issued up to the as-of date; a credit-note line counts against the
charge of the invoice line it corrects, negatively. Delivered work is every
session delivered or deemed delivered (§5: deemed hours count as delivered),
costed at the rate in force on the session's London date (§9).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.context import Context
from billing.models import Case, Charge, Invoice, InvoiceLine, Order, Session, Staff
from billing.schools import rate_on
from billing.staff_rates import staff_by_id
from pricing.clock import utc_to_london

COUNTED = ("delivered", "deemed_delivered")

# What each kind of charge is, for the manager: the subscription, extras bought beyond it, or interest.
CATEGORY = {
    "subscription_fee": "subscription", "settlement": "subscription",
    "casework": "extras", "order": "extras", "no_show": "extras",
    "interest": "interest",
}


@dataclass(frozen=True)
class IncomeLine:
    """One issued invoice or credit-note line, signed: credit-note lines are negative."""

    line_id: int
    document: str  # invoice number
    kind: str  # invoice | credit_note
    issued_on: date
    school_id: int
    charge_kind: str | None
    case_id: int | None
    order_id: int | None
    subscription_id: int | None
    net: Decimal
    period_start: date | None
    period_end: date | None
    description: str

    @property
    def category(self) -> str:
        return CATEGORY.get(self.charge_kind or "", "other")

    @property
    def span(self) -> tuple[date, date]:
        """The period the line covers; a line with no period is income on its issue date (§9)."""
        start = self.period_start or self.issued_on
        end = self.period_end or start
        return (start, end) if end >= start else (start, start)


def income_lines(ctx: Context, through: date) -> list[IncomeLine]:
    """Every line of every invoice and credit note issued up to ``through`` (inclusive)."""
    rows = ctx.session.execute(
        select(InvoiceLine, Invoice).join(Invoice, InvoiceLine.invoice_id == Invoice.id)
        .where(Invoice.issued_on <= through).order_by(Invoice.issued_on, Invoice.id, InvoiceLine.position)
    ).all()
    charge_ids = {ln.charge_id for ln, _ in rows if ln.charge_id is not None}
    charges = {c.id: c for c in ctx.session.scalars(select(Charge).where(Charge.id.in_(charge_ids)))} \
        if charge_ids else {}
    # A credit-note line names the line it corrects; that line names the charge.
    line_charge: dict[int, int | None] = {ln.id: ln.charge_id for ln, _ in rows}
    missing = {ln.corrects_line_id for ln, _ in rows
               if ln.corrects_line_id is not None and ln.corrects_line_id not in line_charge}
    if missing:
        for line_id, charge_id in ctx.session.execute(
                select(InvoiceLine.id, InvoiceLine.charge_id).where(InvoiceLine.id.in_(missing))):
            line_charge[line_id] = charge_id
    extra = {cid for cid in line_charge.values() if cid is not None and cid not in charges}
    if extra:
        charges.update({c.id: c for c in ctx.session.scalars(select(Charge).where(Charge.id.in_(extra)))})
    out: list[IncomeLine] = []
    for line, doc in rows:
        charge_id = line.charge_id
        if charge_id is None and line.corrects_line_id is not None:
            charge_id = line_charge.get(line.corrects_line_id)
        charge = charges.get(charge_id) if charge_id is not None else None
        sign = -1 if doc.kind == "credit_note" else 1
        out.append(IncomeLine(
            line_id=line.id, document=doc.number, kind=doc.kind, issued_on=doc.issued_on,
            school_id=doc.school_id, charge_kind=charge.kind if charge else None,
            case_id=charge.case_id if charge else None, order_id=charge.order_id if charge else None,
            subscription_id=charge.subscription_id if charge else None,
            net=sign * line.net, period_start=line.period_start, period_end=line.period_end,
            description=line.description,
        ))
    return out


@dataclass(frozen=True)
class WorkDone:
    """One delivered or deemed-delivered session, costed (cost exact, not yet rounded)."""

    session_id: int
    day: date  # London date the session started
    staff_id: int
    staff_name: str
    role: str
    case_id: int | None
    order_id: int | None
    school_id: int
    academic_year: int
    hours: Decimal
    deemed: bool
    rate: Decimal

    @property
    def cost(self) -> Decimal:
        return self.hours * self.rate


def work_done(ctx: Context, through: date | None = None) -> list[WorkDone]:
    """Every delivered or deemed-delivered session (on or before ``through``), at its dated rate (§9)."""
    sessions = list(ctx.session.scalars(select(Session).where(Session.status.in_(COUNTED))
                                        .order_by(Session.starts_at, Session.id)))
    cases = {c.id: c for c in ctx.session.scalars(select(Case))}
    orders = {o.id: o for o in ctx.session.scalars(select(Order))}
    staff: dict[int, Staff] = staff_by_id(ctx, {s.staff_id for s in sessions})
    out: list[WorkDone] = []
    for s in sessions:
        day = utc_to_london(s.starts_at).date()
        if through is not None and day > through:
            continue
        hours = s.delivered_hours if s.delivered_hours is not None else s.planned_hours
        member = staff[s.staff_id]
        if s.case_id is not None:
            parent_school, year = cases[s.case_id].school_id, cases[s.case_id].academic_year
        else:
            assert s.order_id is not None
            parent_school, year = orders[s.order_id].school_id, orders[s.order_id].academic_year
        out.append(WorkDone(
            session_id=s.id, day=day, staff_id=member.id, staff_name=member.name, role=member.role,
            case_id=s.case_id, order_id=s.order_id, school_id=parent_school, academic_year=year,
            hours=hours, deemed=s.status == "deemed_delivered", rate=rate_on(member, day),
        ))
    return out
