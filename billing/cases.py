"""Opening, acknowledging and closing casework referrals (domain-rules.md §6).

A case carries a reference only, never a child's details. Whether the
subscription covers it is decided once, when it opens, from the school's
casework entitlement for the referral's academic year, and recorded on the
case: later changes to the price book or the subscription never move a case
between covered and charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing.context import Context
from billing.lookup import get_or_refuse
from billing.models import Case, School, Session, Subscription
from billing.orders import used_this_year
from billing.pricebooks import council, version_for
from billing.schools import get_school
from billing.subscriptions import live_subscription
from contracts.cases import (
    ACKNOWLEDGE_WITHIN,
    CaseDates,
    check_acknowledgement,
    check_close,
    check_may_refer,
    check_open,
    check_planning,
    check_referral_date,
    next_case_ref,
    ref_head,
    referral_acknowledged_late,
    referral_clock_start,
    validate_case_ref,
)
from contracts.entitlements import academic_year_of_referral, is_covered
from pricing.calendars import AcademicYear, working_days_between
from pricing.clock import utc_to_london
from pricing.errors import RuleViolation
from pricing.pricebook import CaseRefs

CASEWORK = "casework"
_REF_ATTEMPTS = 5


def live_subscription_on(ctx: Context, school: School, on: date) -> Subscription | None:
    """The school's subscription in force on ``on`` (the rule lives in billing.subscriptions)."""
    return live_subscription(ctx, school.id, on)


def casework_used(ctx: Context, school: School, year: AcademicYear) -> int:
    """Covered casework already used by ``school`` in ``year``: covered cases plus covered casework orders."""
    service_of: dict[str, str] = {item.code: item.service for item in version_for(ctx, year).items}
    return used_this_year(ctx, school, CASEWORK, year, service_of)


def get_case(ctx: Context, case_id: int) -> Case:
    return get_or_refuse(ctx.session, Case, f"There is no case {case_id}.", "unknown_case", key=case_id)


def case_dates(case: Case) -> CaseDates:
    """The case as the rules of its life see it."""
    return CaseDates(case.ref, case.referred_on, case.planning_on, case.closed_on, case.acknowledged_at)


@dataclass(frozen=True)
class OpenedCase:
    case: Case
    tier: str | None
    included: int | None
    already_used: int


def open_case(ctx: Context, urn: str, ref: str | None, referred_on: date,
              planning_on: date | None = None) -> OpenedCase:
    """Open a referral and decide, once, whether the subscription covers it (§6).

    ``ref`` None assigns the next reference of the referral's academic year in the
    council's pattern (price book ``[council.case_refs]``, default C25-0001), so
    nobody types anything about a child; a reference given must match the pattern.

    Only a school with a subscription in force on the referral date may refer,
    unless the price book's council settings allow pay-as-you-go casework
    (``pay_as_you_go_casework``), when the case is charged at the day rate.
    Covered iff a subscription is live on the referral date and its tier still
    has a casework referral left that academic year (entitlement ``None`` = no
    cap). The count resets on 1 September (§3).
    """
    school = get_school(ctx, urn)
    settings = council(ctx)
    year = academic_year_of_referral(referred_on)
    code = validate_case_ref(ref, settings.case_refs, year.start_year) if ref is not None else None
    check_referral_date(code, referred_on, ctx.today)
    if planning_on is not None:
        check_planning(referred_on, planning_on)
    if code is not None and ctx.session.scalar(select(Case.id).where(Case.ref == code)) is not None:
        raise RuleViolation(f"Case reference {code} is already in use.", code="duplicate_case")
    sub = live_subscription_on(ctx, school, referred_on)
    check_may_refer(school.urn, referred_on, sub is not None, settings.pay_as_you_go_casework)
    tier: str | None = None
    included: int | None = 0
    used = casework_used(ctx, school, year)
    covered = False
    if sub is not None:
        tier = sub.tier
        included = version_for(ctx, year).tier(sub.tier).included(CASEWORK)
        covered = is_covered(included, used)
    case = _insert_case(ctx, code, settings.case_refs, year, Case(
        school_id=school.id, subscription_id=sub.id if sub is not None else None,
        academic_year=year.start_year, referred_on=referred_on, planning_on=planning_on,
        covered=covered, created_at=ctx.now,
    ))
    ctx.audit("case.open", "case", case.id, {
        "ref": case.ref, "assigned": code is None, "school": school.urn, "referred_on": referred_on, "year": year.name,
        "tier": tier, "included": included, "already_used": used, "covered": covered,
    })
    return OpenedCase(case=case, tier=tier, included=included, already_used=used)


def _insert_case(ctx: Context, given: str | None, refs: CaseRefs, year: AcademicYear, case: Case) -> Case:
    """Insert ``case`` under the reference given, or the next free one of ``year`` (§6).

    Two referrals opened at once may both pick the same next reference; the UNIQUE
    ``cases.ref`` refuses the second, which (in a savepoint) picks again and sees the
    first's reference once it has committed.
    """
    for attempt in range(_REF_ATTEMPTS):
        if given is not None:
            case.ref = given
        else:
            head = ref_head(refs, year.start_year)
            taken = ctx.session.scalars(select(Case.ref).where(Case.ref.like(f"{head}%")))
            case.ref = next_case_ref(refs, year.start_year, taken)
        try:
            with ctx.session.begin_nested():
                ctx.session.add(case)
                ctx.session.flush()
            return case
        except IntegrityError:
            if given is not None or attempt == _REF_ATTEMPTS - 1:
                raise RuleViolation(f"Case reference {case.ref} is already in use.", code="duplicate_case") from None
    raise AssertionError("unreachable")


def set_planning(ctx: Context, case_id: int, planning_on: date) -> Case:
    """Record the planning meeting that starts the case's eight-week plan (§6)."""
    case = get_case(ctx, case_id)
    check_open(case_dates(case))
    check_planning(case.referred_on, planning_on)
    case.planning_on = planning_on
    ctx.audit("case.plan", "case", case.id, {"planning_on": planning_on})
    return case


def close_case(ctx: Context, case_id: int, on: date) -> Case:
    """Close a case on ``on`` (§6). Every session must have an outcome first and none may come later."""
    case = get_case(ctx, case_id)
    sessions = ctx.session.execute(select(Session.status, Session.starts_at).where(Session.case_id == case.id))
    check_close(case_dates(case), on, ctx.today,
                [(status, utc_to_london(starts_at).date()) for status, starts_at in sessions])
    case.closed_on = on
    ctx.audit("case.close", "case", case.id, {"ref": case.ref, "closed_on": on})
    return case


def acknowledge_case(ctx: Context, case_id: int, at: datetime) -> Case:
    """Record when the service acknowledged the referral (for response-time reporting)."""
    case = get_case(ctx, case_id)
    check_acknowledgement(case_dates(case), at, ctx.today)
    case.acknowledged_at = at
    ctx.audit("case.acknowledge", "case", case.id, {"ref": case.ref, "at": at.isoformat()})
    return case


def is_acknowledged_late(case: Case) -> bool:
    """More than 48 hours from the referral clock's start to the acknowledgement (contracts.cases)."""
    assert case.acknowledged_at is not None
    return referral_acknowledged_late(case.referred_on, case.acknowledged_at)


def late_acknowledgements(ctx: Context, year: AcademicYear) -> list[dict[str, object]]:
    """Referrals of ``year`` acknowledged later than the 48-hour commitment, or not acknowledged by today.

    ``hours`` are elapsed from the referral clock's start; ``working_days`` counts
    working days after the referral day up to the acknowledgement (or today).
    """
    rows: list[dict[str, object]] = []
    cases = ctx.session.scalars(
        select(Case).where(Case.academic_year == year.start_year).order_by(Case.referred_on, Case.id)
    )
    now = ctx.now
    for case in cases:
        start = referral_clock_start(case.referred_on)
        if case.acknowledged_at is not None:
            if not is_acknowledged_late(case):
                continue
            answered: datetime = case.acknowledged_at
        else:
            if now - start <= ACKNOWLEDGE_WITHIN:
                continue  # still within the commitment
            answered = now
        elapsed = answered - start
        rows.append({
            "id": case.id, "ref": case.ref, "urn": case.school.urn,
            "referred": case.referred_on,
            "acknowledged": case.acknowledged_at,
            "hours": int(elapsed.total_seconds() // 3600),
            "working_days": working_days_between(case.referred_on + timedelta(days=1),
                                                 utc_to_london(answered).date()),
        })
    return rows
