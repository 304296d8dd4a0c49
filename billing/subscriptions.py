"""Subscriptions: two-academic-year contracts and the dated fee charges they raise.

Rules: domain-rules.md §3. A subscription runs from its start date to 31 August
of the academic year after the one it starts in; each year's fee comes from
that year's price-book version and the school's number-on-roll band, the first
year pro rata for a mid-year start (pricing.fees). Every instalment becomes one
charge on the ledger (billing.charges), keyed ``sub/{id}/{year}/{n}`` so the
bill run can never raise it twice. A school has at most one live subscription
at a time; renewal creates the next two-year term from the day after the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from billing.charges import NewCharge, raise_charge
from billing.context import Context
from billing.models import Charge, School, Subscription
from billing.pricebooks import version_for
from billing.schools import get_school
from contracts.charge_details import SubscriptionFeeDetail
from invoices.dates import doc_date
from pricing.calendars import AcademicYear, term_of
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.fees import SCHEDULES, FeeSpan, Instalment, ScheduleName, contract_end, contract_years
from pricing.fees import schedule as fee_schedule
from pricing.money import ZERO
from pricing.pricebook import TIER_NAMES
from pricing.text import clean_optional_line

SUBSCRIPTION_VAT_CODE = "S"
SUBSCRIPTION_SERVICE = "subscription"


def format_day(day: date) -> str:
    """``2025-09-01``: the form dates take on invoice lines (invoices.dates, one format on documents)."""
    return doc_date(day)


def covered_until(sub: Subscription) -> date:
    """The last day a subscription covers: its effective end once cancelled, else its contract end."""
    if sub.status == "cancelled" and sub.effective_end is not None:
        return sub.effective_end
    return sub.ends_on


def live_subscription(ctx: Context, school_id: int, on: date) -> Subscription | None:
    """The subscription covering ``on`` for a school (§3), or None.

    Covers means starts_on <= on <= ends_on, and, when cancelled, on <= the effective end.
    """
    candidates = ctx.session.scalars(
        select(Subscription)
        .where(Subscription.school_id == school_id, Subscription.starts_on <= on, Subscription.ends_on >= on)
        .order_by(Subscription.starts_on)
    ).all()
    for sub in candidates:
        if on <= covered_until(sub):
            return sub
    return None


def get_subscription(ctx: Context, subscription_id: int) -> Subscription:
    sub = ctx.session.get(Subscription, subscription_id)
    if sub is None:
        raise NotFound(f"no subscription with id {subscription_id}", code="unknown_subscription")
    return sub


def list_subscriptions(ctx: Context, urn: str | None = None) -> list[Subscription]:
    query = select(Subscription).order_by(Subscription.id)
    if urn is not None:
        query = query.where(Subscription.school_id == get_school(ctx, urn).id)
    return list(ctx.session.scalars(query))


def subscription_charges(ctx: Context, sub: Subscription, kind: str = "subscription_fee") -> list[Charge]:
    """The subscription's charges of one kind, in due order (withdrawn ones included)."""
    return list(ctx.session.scalars(
        select(Charge).where(Charge.subscription_id == sub.id, Charge.kind == kind)
        .order_by(Charge.due_on, Charge.id)
    ))


def check_tier(tier: str) -> str:
    if tier not in TIER_NAMES:
        raise InvalidInput(f'subscription tier "{tier}" must be premium or initial', code="unknown_tier")
    return tier


def check_schedule(name: str) -> ScheduleName:
    if name not in SCHEDULES:
        raise InvalidInput(f'billing schedule "{name}" must be annual or termly', code="unknown_schedule")
    return name  # type: ignore[return-value]


def yearly_fees(ctx: Context, school: School, tier: str, start: date) -> dict[AcademicYear, Decimal]:
    """Each contract year's full-year fee: that year's price-book version, the school's roll band (§2, §3)."""
    return {
        span.academic_year: version_for(ctx, span.academic_year).tier(tier).fee_for_roll(school.number_on_roll)
        for span in contract_years(start)
    }


def _overlapping(ctx: Context, school_id: int, start: date, end: date) -> Subscription | None:
    for sub in ctx.session.scalars(
        select(Subscription).where(Subscription.school_id == school_id).order_by(Subscription.starts_on)
    ):
        if sub.starts_on <= end and start <= covered_until(sub):
            return sub
    return None


def instalment_description(tier: str, inst: Instalment, schedule_name: str) -> str:
    """e.g. "Premium subscription 2025/26, autumn term (2025-09-01 to 2025-12-31)"."""
    period = f"({format_day(inst.period_start)} to {format_day(inst.period_end)})"
    if schedule_name == "termly":
        term = term_of(inst.period_start).term.value
        return f"{tier.capitalize()} subscription {inst.academic_year.name}, {term} term {period}"
    return f"{tier.capitalize()} subscription {inst.academic_year.name} {period}"


def add_subscription(
    ctx: Context,
    urn: str,
    tier: str,
    start: date,
    schedule: str = "annual",
    po_number: str | None = None,
    *,
    renews: Subscription | None = None,
) -> Subscription:
    """Start a two-academic-year subscription and raise one charge per instalment (§3).

    Refuses an unknown tier or schedule, and a term overlapping any subscription the
    school already has (at most one live at a time).
    """
    tier = check_tier(tier)
    plan = check_schedule(schedule)
    school = get_school(ctx, urn)
    po = clean_optional_line(po_number, "purchase order number", 40)  # subscriptions.po_number is String(40)
    end = contract_end(start)
    clash = _overlapping(ctx, school.id, start, end)
    if clash is not None:
        raise RuleViolation(
            f"school {school.urn} already has subscription {clash.id} covering "
            f"{clash.starts_on.isoformat()} to {covered_until(clash).isoformat()}; "
            f"a new one from {start.isoformat()} would overlap it",
            code="live_subscription",
        )
    fees = yearly_fees(ctx, school, tier, start)
    instalments = fee_schedule(start, fees, plan)
    sub = Subscription(
        school_id=school.id, tier=tier, schedule=plan, starts_on=start, ends_on=end, status="live",
        po_number=po, renews_id=renews.id if renews else None,
        created_at=ctx.now,
    )
    ctx.session.add(sub)
    ctx.session.flush()
    for inst in instalments:
        raise_charge(ctx, NewCharge(
            school=school,
            kind="subscription_fee",
            source_key=f"sub/{sub.id}/{inst.academic_year.start_year}/{inst.number}",
            service_code=SUBSCRIPTION_SERVICE,
            description=instalment_description(tier, inst, plan),
            due_on=inst.due_on,
            amount=inst.amount,
            item_vat_code=SUBSCRIPTION_VAT_CODE,
            period_start=inst.period_start,
            period_end=inst.period_end,
            subscription_id=sub.id,
            detail=SubscriptionFeeDetail(academic_year=inst.academic_year.start_year, instalment=inst.number,
                                         of=inst.of, year_fee=fees[inst.academic_year]),
        ))
    ctx.audit("subscription.add", "subscription", sub.id, {
        "school": school.urn, "tier": tier, "schedule": plan, "start": start, "end": end,
        "fees": {y.name: f for y, f in fees.items()}, "renews": renews.id if renews else None,
    })
    return sub


def renew_subscription(ctx: Context, subscription_id: int) -> Subscription:
    """Renewal creates the next two-year term, from the day after this one ends (§3)."""
    old = get_subscription(ctx, subscription_id)
    if old.status == "cancelled":
        raise RuleViolation(f"subscription {old.id} was cancelled and cannot be renewed", code="cancelled")
    renewed = ctx.session.scalar(select(Subscription).where(Subscription.renews_id == old.id))
    if renewed is not None:
        raise RuleViolation(f"subscription {old.id} was already renewed as subscription {renewed.id}",
                            code="already_renewed")
    return add_subscription(ctx, old.school.urn, old.tier, old.ends_on + timedelta(days=1), old.schedule,
                            old.po_number, renews=old)


def contract_fee_spans(ctx: Context, sub: Subscription) -> list[FeeSpan]:
    """The contract's fee per covered year span, as raised on the ledger (§4 accrual input).

    Taken from the instalment charges (withdrawn ones included), not the price book,
    so a price book replaced later cannot change a contract already made.
    """
    by_year: dict[int, Decimal] = {}
    for charge in subscription_charges(ctx, sub):
        year = int(charge.detail["academic_year"]) if charge.detail else AcademicYear.of(charge.period_start
                                                                                          or charge.due_on).start_year
        by_year[year] = by_year.get(year, ZERO) + charge.amount
    spans = []
    for span in contract_years(sub.starts_on):
        spans.append(FeeSpan(span.start, span.end, by_year.get(span.academic_year.start_year, ZERO)))
    return spans


def contract_value(ctx: Context, sub: Subscription) -> Decimal:
    return sum((s.fee for s in contract_fee_spans(ctx, sub)), ZERO)


def subscription_json(ctx: Context, sub: Subscription, charges: Sequence[Charge] | None = None) -> dict[str, object]:
    """The contract's JSON shape (cli-contract.md `subscription add`)."""
    rows = list(charges) if charges is not None else subscription_charges(ctx, sub)
    return {
        "id": sub.id,
        "urn": sub.school.urn,
        "tier": sub.tier,
        "start": sub.starts_on,
        "end": sub.ends_on,
        "schedule": sub.schedule,
        "status": sub.status,
        "effective_end": sub.effective_end,
        "renews": sub.renews_id,
        "charges": [
            {"date": c.due_on, "amount": c.amount, "description": c.description, "key": c.source_key,
             "status": c.status}
            for c in rows
        ],
    }
