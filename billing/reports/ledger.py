"""What the manager's reports read from the ledger: income earned, invoicing and delivered hours.

Income is recognised by the days of service, not by how it was invoiced (§9);
:func:`earned_income` gives every item of income as fee spans that accrue daily
(pricing.accrual: one running total, so any split of the days adds up exactly).
All amounts are net of VAT (VAT is not the service's income); the ledger is read
as it stood on the as-of date (charges and subscriptions made, documents issued,
up to that day).

- A subscription earns each contract year's fee (as raised on the ledger:
  billing.subscriptions.contract_fee_spans) evenly over that year's days up to
  its effective end, whatever the schedule and whenever the invoices fall; a
  cancelled one earns exactly the fee accrued to the effective end (§4) and
  nothing after it. Its instalment and settlement charges are how it was billed,
  not extra income.
- A credit note against a subscription's lines: one issued by the cancellation's
  settlement, or before it, is already inside the accrual (the settlement netted
  it), so it changes nothing; any other reduces the income of the days of the
  line it credits, cut at the effective end, never a later year.
- Extra casework is earned on its delivery dates: a term's day-rate charge is
  shared over that case's delivered and deemed-delivered sessions in the term by
  hours (largest remainder), or over the term when none is recorded. An order is
  earned on its delivery date (the order date when it has none); interest and
  anything else over the period its charge names (its due date when none).
  A charge counts once raised (withdrawn and waived ones only if invoiced).
- A credit note against any other line reduces the income of the same days as
  the charge it credits, shared in the same proportions.
- A line with no charge is income over its own period (its issue date when none).

Invoicing (:func:`income_lines`) is kept apart, for the deferred-income figures:
each line names the item it bills (``IncomeLine.item`` = ``Earned.item``).
Delivered work is every session delivered or deemed delivered (§5: deemed hours
count as delivered), costed at the rate in force on the session's London date (§9).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.context import Context
from billing.models import AuditEntry, Case, Charge, Invoice, InvoiceLine, Order, Session, Staff, Subscription
from billing.reports.allocation import largest_remainder
from billing.schools import rate_on
from billing.staff_rates import staff_by_id
from billing.subscriptions import contract_fee_spans
from contracts.states import ChargeStatus, SessionStatus
from pricing.accrual import FeeSpan, recognised
from pricing.clock import utc_to_london

COUNTED = (SessionStatus.DELIVERED, SessionStatus.DEEMED_DELIVERED)

# The charges by which a subscription is billed: its contract earns the income (Earned), they do not.
SUBSCRIPTION_KINDS = ("subscription_fee", "settlement")

Item = tuple[str, int]  # ("subscription", id) | ("charge", id) | ("line", id): what invoicing is matched against

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
    charge_id: int | None = None  # the line's charge; for a credit-note line, the charge of the line it corrects
    corrects_line_id: int | None = None

    @property
    def category(self) -> str:
        return CATEGORY.get(self.charge_kind or "", "other")

    @property
    def item(self) -> Item:
        """What the line bills: a subscription's contract, a charge, or (with no charge) a line."""
        if self.subscription_id is not None and self.charge_kind in SUBSCRIPTION_KINDS:
            return ("subscription", self.subscription_id)
        if self.charge_id is not None:
            return ("charge", self.charge_id)
        return ("line", self.corrects_line_id or self.line_id)

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
            description=line.description, charge_id=charge_id, corrects_line_id=line.corrects_line_id,
        ))
    return out


@dataclass(frozen=True)
class Earned:
    """One item of income, earned by days of service (§9): ``spans`` accrue daily, nothing after ``end``."""

    item: Item
    school_id: int
    charge_kind: str | None
    spans: tuple[FeeSpan, ...]
    end: date | None = None  # a cancelled subscription's effective end

    @property
    def category(self) -> str:
        return CATEGORY.get(self.charge_kind or "", "other")

    @property
    def first_day(self) -> date:
        return min(span.start for span in self.spans)

    @property
    def last_day(self) -> date:
        last = max(span.end for span in self.spans)
        return last if self.end is None else min(last, self.end)

    def between(self, first: date, last: date) -> Decimal:
        """Recognised on the days ``first..last`` inclusive (pricing.accrual.recognised)."""
        return recognised(self.spans, max(first, self.first_day), last, self.end)

    def through(self, day: date) -> Decimal:
        """Recognised from the first day of service up to and including ``day``."""
        return self.between(self.first_day, day)


def _span(start: date | None, end: date | None, fallback: date) -> tuple[date, date]:
    first = start or fallback
    last = end or first
    return (first, last) if last >= first else (first, first)


def _share(amount: Decimal, shape: tuple[FeeSpan, ...]) -> tuple[FeeSpan, ...]:
    """``amount`` over the days of ``shape`` in its proportions (largest remainder); () if it has none."""
    shares = largest_remainder(amount, {i: span.fee for i, span in enumerate(shape)})
    return tuple(FeeSpan(shape[i].start, shape[i].end, part) for i, part in sorted(shares.items()) if part)


def _delivery_days(ctx: Context, case_ids: set[int]) -> dict[int, dict[date, Decimal]]:
    """Hours delivered (deemed delivered included) per case and London day."""
    out: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
    if case_ids:
        for case_id, starts_at, delivered, planned in ctx.session.execute(
                select(Session.case_id, Session.starts_at, Session.delivered_hours, Session.planned_hours)
                .where(Session.status.in_(COUNTED), Session.case_id.in_(case_ids))):
            if case_id is not None:  # the query asks for cases' sessions; an order's has no case
                out[case_id][utc_to_london(starts_at).date()] += delivered if delivered is not None else planned
    return out


def _charge_spans(charge: Charge, delivered: dict[int, dict[date, Decimal]]) -> tuple[FeeSpan, ...]:
    start, end = _span(charge.period_start, charge.period_end, charge.due_on)
    if charge.kind == "casework" and charge.case_id is not None:
        hours = {day: h for day, h in delivered.get(charge.case_id, {}).items() if start <= day <= end and h > 0}
        shares = largest_remainder(charge.amount, hours)
        if shares and any(shares.values()):
            return tuple(FeeSpan(day, day, part) for day, part in sorted(shares.items()) if part)
    return (FeeSpan(start, end, charge.amount),)


def _settled_credits(ctx: Context, lines: list[IncomeLine], subs: dict[int, Subscription]) -> set[tuple[int, str]]:
    """(subscription, credit note) pairs already inside a cancelled subscription's accrual.

    The settlement made what was invoiced, less every credit note issued so far, equal to the
    fee accrued (billing.cancellations), so its own credit notes and any issued before it are
    part of that figure. Order of events: the audit log (credit notes are recorded before the
    cancellation that issues them); a credit note with no audit record counts as before the
    cancellation when dated on or before the day it was recorded.
    """
    wanted = {(ln.item[1], ln.document, ln.issued_on) for ln in lines
              if ln.kind == "credit_note" and ln.item[0] == "subscription"
              and ln.item[1] in subs and subs[ln.item[1]].effective_end is not None}
    if not wanted:
        return set()
    cancels = {int(e.entity_id): e for e in ctx.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "subscription.cancel", AuditEntry.entity == "subscription")
        .order_by(AuditEntry.id))}
    issued = dict(ctx.session.execute(
        select(AuditEntry.entity_id, AuditEntry.id).where(AuditEntry.action == "credit_note.issue",
                                                          AuditEntry.entity_id.in_(sorted({n for _, n, _ in wanted})))).all())
    out: set[tuple[int, str]] = set()
    for sub_id, number, issued_on in wanted:
        entry = cancels.get(sub_id)
        listed = (entry.detail or {}).get("credit_notes") if entry is not None else None
        if entry is None or (isinstance(listed, list) and number in listed):
            out.add((sub_id, number))
        elif number in issued:
            if issued[number] < entry.id:
                out.add((sub_id, number))
        elif issued_on <= utc_to_london(entry.at).date():
            out.add((sub_id, number))
    return out


def earned_income(ctx: Context, through: date, lines: list[IncomeLine] | None = None) -> list[Earned]:
    """Every item of income earned by days of service, on the ledger as recorded now, to ``through`` (§9).

    ``lines`` are :func:`income_lines` up to ``through`` when the caller already has them.
    Amounts recognised on days after ``through`` are included (a report cuts them off).
    """
    lines = income_lines(ctx, through) if lines is None else lines
    out: list[Earned] = []
    # Everything recorded so far counts, by the days it belongs to: a subscription or charge recorded
    # late with earlier dates changes the past, as late-recorded money does (docs/rules.md §8, §9).
    # (The real instant a record was made is not a business date: a replayed ledger records today.)
    subs = {sub.id: sub for sub in ctx.session.scalars(select(Subscription).order_by(Subscription.id))}
    for sub in subs.values():
        out.append(Earned(("subscription", sub.id), sub.school_id, "subscription_fee",
                          tuple(contract_fee_spans(ctx, sub)), sub.effective_end))

    invoiced = {ln.charge_id for ln in lines if ln.kind == "invoice" and ln.charge_id is not None}
    charges = [c for c in ctx.session.scalars(select(Charge).order_by(Charge.id))
               if not (c.subscription_id is not None and c.kind in SUBSCRIPTION_KINDS)
               and (c.status == ChargeStatus.DUE or c.id in invoiced)]
    delivered = _delivery_days(ctx, {c.case_id for c in charges if c.kind == "casework" and c.case_id is not None})
    shapes: dict[int, tuple[FeeSpan, ...]] = {}
    for c in charges:
        shapes[c.id] = _charge_spans(c, delivered)
        out.append(Earned(("charge", c.id), c.school_id, c.kind, shapes[c.id]))

    settled = _settled_credits(ctx, lines, subs)
    for ln in lines:
        kind, ident = ln.item
        if ln.kind == "invoice" and kind != "line":
            continue  # billed by a line; earned by its contract or charge above
        spans: tuple[FeeSpan, ...] = ()
        if kind == "subscription" and ident in subs:
            if (ident, ln.document) in settled:
                continue
            start, end = ln.span
            stop = subs[ident].effective_end
            if stop is not None:
                start, end = min(start, stop), min(end, stop)
            spans = (FeeSpan(start, end, ln.net),)
        elif kind == "charge" and ident in shapes:
            spans = _share(ln.net, shapes[ident])
        if not spans:
            spans = (FeeSpan(*ln.span, ln.net),)
        out.append(Earned(ln.item, ln.school_id, ln.charge_kind, spans))
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
            hours=hours, deemed=s.status == SessionStatus.DEEMED_DELIVERED, rate=rate_on(member, day),
        ))
    return out
