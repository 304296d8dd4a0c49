"""Subscriptions: two-academic-year contracts and the dated fee charges they raise.

Rules: domain-rules.md §3. A subscription runs from its start date to 31 August
of the academic year after the one it starts in; each year's fee comes from
that year's price-book version and the school's number-on-roll band, the first
year pro rata for a mid-year start (pricing.fees). Every instalment becomes one
charge on the ledger (billing.charges), keyed ``sub/{id}/{year}/{n}`` so the
bill run can never raise it twice. A school has at most one live subscription
at a time; renewal creates the next two-year term from the day after the end.
The decisions are contracts/subscription.py's; this module loads the rows they
need, records the outcome and audits it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.charges import NewCharge, raise_charge
from billing.context import Context
from billing.lookup import get_or_refuse
from billing.models import Charge, School, Subscription
from billing.pricebooks import council, version_for
from billing.schools import get_school
from contracts import subscription as domain
from contracts.charge_details import SubscriptionFeeDetail
from contracts.states import SubscriptionStatus
from contracts.subscription import SubscriptionRecord, SubscriptionTerms
from invoices.formats import doc_date
from pricing.calendars import AcademicYear
from pricing.fees import FeeSpan, Instalment, contract_years
from pricing.text import clean_optional_line
from pricing.vat import customer_vat_class

SUBSCRIPTION_VAT_CODE = "S"
SUBSCRIPTION_SERVICE = "subscription"


def format_day(day: date) -> str:
    """``2025-09-01``: the form dates take on invoice lines (invoices.formats, one format on documents)."""
    return doc_date(day)


def as_record(sub: Subscription) -> SubscriptionRecord:
    """The row as the rules see it."""
    return SubscriptionRecord(
        id=sub.id, tier=sub.tier, schedule=sub.schedule, starts_on=sub.starts_on, ends_on=sub.ends_on,
        status=SubscriptionStatus(sub.status), effective_end=sub.effective_end, renews_id=sub.renews_id,
    )


def covered_until(sub: Subscription) -> date:
    """The last day a subscription covers: its effective end once cancelled, else its contract end."""
    return domain.covered_until(as_record(sub))


def _pick(rows: Sequence[Subscription], chosen: SubscriptionRecord | None) -> Subscription | None:
    return None if chosen is None else next(row for row in rows if row.id == chosen.id)


def live_subscription(ctx: Context, school_id: int, on: date) -> Subscription | None:
    """The subscription covering ``on`` for a school (§3), or None.

    Covers means starts_on <= on <= ends_on, and, when cancelled, on <= the effective end.
    """
    candidates = ctx.session.scalars(
        select(Subscription)
        .where(Subscription.school_id == school_id, Subscription.starts_on <= on, Subscription.ends_on >= on)
        .order_by(Subscription.starts_on)
    ).all()
    return _pick(candidates, domain.covering([as_record(sub) for sub in candidates], on))


def get_subscription(ctx: Context, subscription_id: int) -> Subscription:
    return get_or_refuse(ctx.session, Subscription, f"no subscription with id {subscription_id}",
                         "unknown_subscription", key=subscription_id)


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


def yearly_fees(ctx: Context, school: School, tier: str, start: date) -> dict[AcademicYear, Decimal]:
    """Each contract year's full-year fee: that year's price-book version, the school's roll band (§2, §3)."""
    return {
        span.academic_year: version_for(ctx, span.academic_year).tier(tier).fee_for_roll(school.number_on_roll)
        for span in contract_years(start)
    }


def instalment_description(tier: str, inst: Instalment, schedule_name: str) -> str:
    """e.g. "Premium subscription 2025/26, autumn term (2025-09-01 to 2025-12-31)"."""
    return domain.instalment_description(tier, inst, schedule_name, format_day)


def add_subscription(
    ctx: Context,
    urn: str,
    tier: str,
    start: date,
    schedule: str | None = None,
    po_number: str | None = None,
    *,
    renews: Subscription | None = None,
) -> Subscription:
    """Start a two-academic-year subscription and raise one charge per instalment (§3).

    Refuses an unknown tier or schedule, and a term overlapping any subscription the
    school already has (at most one live at a time). With no schedule asked for, the
    school's default (:func:`default_schedule`).
    """
    school = get_school(ctx, urn)
    terms = SubscriptionTerms.checked(tier, schedule or default_schedule(ctx, school), start)
    return _add(ctx, school, terms, po_number, renews)


def default_schedule(ctx: Context, school: School) -> str:
    """The schedule of a subscription added without one: the price book's ``maintained_schedule``
    for the council's own maintained schools when it names one (issue 20: fy-split), else annual."""
    c = council(ctx)
    own = customer_vat_class(school.type, school.la_code, c.la_code) == "own_maintained"
    return c.maintained_schedule if own and c.maintained_schedule else "annual"


def plan_term(ctx: Context, school: School, terms: SubscriptionTerms
              ) -> tuple[dict[AcademicYear, Decimal], list[domain.PlannedFee]]:
    """Each contract year's fee and the instalment charges a new term would raise, refused on a clash (§3).

    Adding a subscription and previewing one (the portal's renewal page) both ask this, so they cannot differ.
    """
    existing = ctx.session.scalars(select(Subscription).where(Subscription.school_id == school.id))
    domain.check_no_clash([as_record(sub) for sub in existing], terms, school.urn)
    fees = yearly_fees(ctx, school, terms.tier, terms.starts_on)
    return fees, list(domain.plan_fees(terms, fees, format_day, council(ctx).fy_split_basis))


def renewal_terms(ctx: Context, old: Subscription) -> SubscriptionTerms:
    """The next two-year term of ``old``, refused when it was cancelled or already renewed (§3)."""
    renewed_as = ctx.session.scalar(select(Subscription.id).where(Subscription.renews_id == old.id))
    return domain.renewal(as_record(old), renewed_as)


def _add(ctx: Context, school: School, terms: SubscriptionTerms, po_number: str | None,
         renews: Subscription | None) -> Subscription:
    po = clean_optional_line(po_number, "purchase order number", 40)  # subscriptions.po_number is String(40)
    fees, plan = plan_term(ctx, school, terms)
    sub = Subscription(
        school_id=school.id, tier=terms.tier, schedule=terms.schedule, starts_on=terms.starts_on,
        ends_on=terms.ends_on, status=SubscriptionStatus.LIVE, po_number=po,
        renews_id=renews.id if renews else None, created_at=ctx.now,
    )
    ctx.session.add(sub)
    ctx.session.flush()
    for fee in plan:
        raise_charge(ctx, NewCharge(
            school=school,
            kind="subscription_fee",
            source_key=fee.source_key(sub.id),
            service_code=SUBSCRIPTION_SERVICE,
            description=fee.description,
            due_on=fee.due_on,
            amount=fee.amount,
            item_vat_code=SUBSCRIPTION_VAT_CODE,
            period_start=fee.period_start,
            period_end=fee.period_end,
            subscription_id=sub.id,
            detail=fee.detail,
        ))
    ctx.audit("subscription.add", "subscription", sub.id, {
        "school": school.urn, "tier": terms.tier, "schedule": terms.schedule, "start": terms.starts_on,
        "end": terms.ends_on, "fees": {y.name: f for y, f in fees.items()}, "renews": renews.id if renews else None,
    })
    return sub


def renew_subscription(ctx: Context, subscription_id: int) -> Subscription:
    """Renewal creates the next two-year term, from the day after this one ends (§3)."""
    old = get_subscription(ctx, subscription_id)
    return _add(ctx, old.school, renewal_terms(ctx, old), old.po_number, old)


def _raised_year(charge: Charge) -> int:
    # A stored detail of {} reads as no detail, as it always has.
    detail = charge.details if charge.detail else None
    year = detail.academic_year if isinstance(detail, SubscriptionFeeDetail) else None
    return domain.raised_year(year, charge.period_start, charge.due_on)


def contract_fee_spans(ctx: Context, sub: Subscription) -> list[FeeSpan]:
    """The contract's fee per covered year span, as raised on the ledger (§4 accrual input).

    Taken from the instalment charges (withdrawn ones included), not the price book,
    so a price book replaced later cannot change a contract already made.
    """
    raised = [(_raised_year(charge), charge.amount) for charge in subscription_charges(ctx, sub)]
    return domain.raised_fee_spans(sub.starts_on, raised)


def contract_value(ctx: Context, sub: Subscription) -> Decimal:
    return domain.contract_value(contract_fee_spans(ctx, sub))

