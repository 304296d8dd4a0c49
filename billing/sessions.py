"""Sessions at a school: scheduling, delivery and the 48-hour rule (domain-rules.md §5).

A session belongs to a case (casework) or an order (training, whole-class
work). What happens to it is decided by contracts.notice on plain values; this
module reads the rows, checks the case or order is still open, and writes the
answer. A change the school notifies follows the 48-hour rule: in time
(at least 48 hours of elapsed real time before the start) it is moved or
dropped at no cost; late, or never notified, it is deemed delivered — its
planned hours count as delivered, use entitlement and are charged wherever
delivered work is charged (on an uncovered case, with the case's day-rate
charge; see billing.casework).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from billing.cancellations import get_order
from billing.cases import CASEWORK, get_case
from billing.context import Context
from billing.lookup import get_or_refuse
from billing.models import Case, Order, Session
from billing.pricebooks import version_for
from billing.schools import get_staff
from contracts.cases import beyond_plan, plan_end
from contracts.notice import Outcome, SessionAtSchool, change_outcome, delivery
from contracts.states import OrderStatus, SessionStatus
from pricing.calendars import AcademicYear
from pricing.clock import format_london, utc_to_london
from pricing.errors import InvalidInput, RuleViolation

MAX_SESSION_HOURS = Decimal("12")
HOURS_STEP = Decimal("0.01")
COUNTED = (SessionStatus.DELIVERED, SessionStatus.DEEMED_DELIVERED)
"""Statuses whose hours count as delivered work (§5: deemed-delivered sessions count)."""


def parse_hours(value: str | Decimal, what: str = "hours") -> Decimal:
    """Hours as an exact decimal, more than 0 and at most 12, to the hundredth."""
    if isinstance(value, float) or isinstance(value, bool):
        raise InvalidInput(f"The {what} must be a decimal number like 2.5, not a {type(value).__name__}.")
    try:
        hours = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"The {what} {value!r} is not a number.") from None
    if not hours.is_finite() or hours <= 0:
        raise InvalidInput(f"The {what} must be more than 0, not {value}.")
    if hours > MAX_SESSION_HOURS:
        raise InvalidInput(f"The {what} {value} is more than {MAX_SESSION_HOURS} hours in one session.")
    if hours != hours.quantize(HOURS_STEP):
        raise InvalidInput(f"The {what} {value} has more than two decimal places.")
    return hours.quantize(HOURS_STEP)


def get_session(ctx: Context, session_id: int) -> Session:
    return get_or_refuse(ctx.session, Session, f"There is no session {session_id}.", "unknown_session",
                         key=session_id)


@dataclass(frozen=True)
class Scheduled:
    session: Session
    warning: str | None  # set when the session falls after the case's eight-week plan


def _check_parent_open(ctx: Context, case: Case | None, order: Order | None) -> None:
    if case is not None and case.closed_on is not None:
        raise RuleViolation(f"Case {case.ref} closed on {case.closed_on}; no session can be added or changed.",
                            code="case_closed")
    if order is not None and order.status == OrderStatus.CANCELLED:
        raise RuleViolation(f"Order {order.id} is cancelled; no session can be added or changed.",
                            code="order_cancelled")


def _plan_warning(case: Case | None, starts_at: datetime) -> str | None:
    if case is None:
        return None
    day = utc_to_london(starts_at).date()
    if beyond_plan(case.planning_on, day):
        assert case.planning_on is not None
        return (f"session on {day} falls after case {case.ref}'s eight-week plan, "
                f"which ended on {plan_end(case.planning_on)}")
    return None


def add_session(
    ctx: Context,
    *,
    starts_at: datetime,
    hours: str | Decimal,
    staff: str,
    case_id: int | None = None,
    order_id: int | None = None,
) -> Scheduled:
    """Schedule a session on a case or an order; warn (not refuse) past the eight-week plan (§6)."""
    if (case_id is None) == (order_id is None):
        raise InvalidInput("A session belongs to exactly one case or one order.")
    planned = parse_hours(hours)
    case = get_case(ctx, case_id) if case_id is not None else None
    order = get_order(ctx, order_id) if order_id is not None else None
    _check_parent_open(ctx, case, order)
    member = get_staff(ctx, staff)
    day = utc_to_london(starts_at).date()
    if case is not None:
        if day < case.referred_on:
            raise RuleViolation(f"Case {case.ref} was referred on {case.referred_on}; "
                                f"a session on {day} would come before it.")
        service = CASEWORK
    else:
        assert order is not None
        service = version_for(ctx, AcademicYear(order.academic_year)).item(order.item_code).service
    session = Session(
        case_id=case.id if case else None, order_id=order.id if order else None, staff_id=member.id,
        service_code=service, starts_at=starts_at, planned_hours=planned, status=SessionStatus.SCHEDULED,
        created_at=ctx.now,
    )
    ctx.session.add(session)
    ctx.session.flush()
    warning = _plan_warning(case, starts_at)
    ctx.audit("session.add", "session", session.id, {
        "case": case.ref if case else None, "order": order.id if order else None,
        "starts_at": format_london(starts_at), "hours": planned, "staff": member.name, "beyond_plan": bool(warning),
    })
    return Scheduled(session=session, warning=warning)


def _parents(ctx: Context, session: Session) -> tuple[Case | None, Order | None]:
    case = get_case(ctx, session.case_id) if session.case_id is not None else None
    order = get_order(ctx, session.order_id) if session.order_id is not None else None
    return case, order


def _at_school(session: Session) -> SessionAtSchool:
    return SessionAtSchool(session.id, session.status, session.starts_at, session.planned_hours)


def deliver_session(ctx: Context, session_id: int, hours: str | Decimal | None = None) -> Session:
    """Record a session as delivered, with the hours actually worked (default: the planned hours)."""
    session = get_session(ctx, session_id)
    case, order = _parents(ctx, session)
    _check_parent_open(ctx, case, order)
    done = delivery(_at_school(session), ctx.today)
    worked = parse_hours(hours, "delivered hours") if hours is not None else done.planned_hours
    session.delivered_hours = worked
    session.status = done.status
    ctx.audit("session.deliver", "session", session.id, {"hours": worked})
    return session


def is_chargeable(ctx: Context, session: Session) -> bool:
    """Whether delivered hours on this session are charged: work beyond the subscription (§5, §6)."""
    case, order = _parents(ctx, session)
    if case is not None:
        return not case.covered
    assert order is not None
    return not order.covered


@dataclass(frozen=True)
class Changed:
    session: Session
    outcome: Outcome
    charged: bool  # its hours are charged (deemed delivered on work beyond the subscription)
    replacement: Session | None
    warning: str | None


def change_session(
    ctx: Context, session_id: int, notified_at: datetime | None, moved_to: datetime | None = None
) -> Changed:
    """Apply the school's notice of a change to a scheduled session: the 48-hour rule (§5).

    ``notified_at`` None means the school never told the service and the session
    could not take place. A late request for a new time still books the new
    session, but the original is deemed delivered.
    """
    session = get_session(ctx, session_id)
    case, order = _parents(ctx, session)
    _check_parent_open(ctx, case, order)
    decided = change_outcome(_at_school(session), notified_at, moved_to, ctx.today)
    outcome = decided.outcome
    replacement: Session | None = None
    warning: str | None = None
    if moved_to is not None:
        replacement = Session(
            case_id=session.case_id, order_id=session.order_id, staff_id=session.staff_id,
            service_code=session.service_code, starts_at=moved_to, planned_hours=session.planned_hours,
            status=SessionStatus.SCHEDULED, created_at=ctx.now,
        )
        ctx.session.add(replacement)
        ctx.session.flush()
        session.replaced_by_id = replacement.id
        warning = _plan_warning(case, moved_to)
    session.status = decided.status
    session.notified_at = notified_at
    if decided.delivered_hours is not None:
        session.delivered_hours = decided.delivered_hours
    charged = outcome.counts_as_delivered and is_chargeable(ctx, session)
    ctx.audit("session.change", "session", session.id, {
        "notified_at": format_london(notified_at) if notified_at else None,
        "moved_to": format_london(moved_to) if moved_to else None,
        "outcome": outcome.value, "charged": charged,
        "replacement": replacement.id if replacement else None,
    })
    return Changed(session=session, outcome=outcome, charged=charged, replacement=replacement, warning=warning)
