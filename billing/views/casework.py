"""Cases and sessions as the team looks them up: `case list|show`, `session list|show`.

A case is shown by its reference only (never a child's details, §6); its hours
are the delivered and deemed-delivered hours of its sessions (§5), and
``charged`` the extra casework raised on it at the day rate (withdrawn charges
left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from billing.context import Context
from billing.models import Case, Charge, Order, School, Session, Staff
from billing.schools import get_school
from billing.sessions import COUNTED
from billing.views import ChargeView, charge_views, day_bounds
from contracts.cases import plan_end
from contracts.states import ChargeStatus
from pricing.calendars import AcademicYear
from pricing.errors import NotFound
from pricing.money import ZERO

NO_HOURS = Decimal("0.00")


@dataclass(frozen=True)
class CaseView:
    id: int
    ref: str
    urn: str
    school: str
    year: str
    referred: date
    planning: date | None
    plan_ends: date | None
    acknowledged: datetime | None
    closed: date | None
    covered: bool
    sessions: int
    hours: Decimal
    charged: Decimal

    @property
    def status(self) -> str:
        return "closed" if self.closed is not None else "open"

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "ref": self.ref, "urn": self.urn, "school": self.school, "year": self.year,
                "referred": self.referred, "planning": self.planning, "plan_ends": self.plan_ends,
                "acknowledged": self.acknowledged, "closed": self.closed, "status": self.status,
                "covered": self.covered, "session_count": self.sessions, "hours": self.hours, "charged": self.charged}


@dataclass(frozen=True)
class SessionView:
    id: int
    case_id: int | None
    case: str | None
    order_id: int | None
    urn: str
    school: str
    service: str
    start: datetime
    staff: str
    hours: Decimal
    delivered_hours: Decimal | None
    status: str
    notified: datetime | None
    moved_to: int | None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "case": self.case, "case_id": self.case_id, "order_id": self.order_id,
                "urn": self.urn, "school": self.school, "service": self.service, "start": self.start,
                "staff": self.staff, "hours": self.hours, "delivered_hours": self.delivered_hours,
                "status": self.status, "notified": self.notified, "moved_to": self.moved_to}


@dataclass(frozen=True)
class CaseDetail:
    case: CaseView
    sessions: tuple[SessionView, ...]
    charges: tuple[ChargeView, ...]

    def as_json(self) -> dict[str, object]:
        return {**self.case.as_json(), "sessions": [s.as_json() for s in self.sessions],
                "charges": [c.as_json() for c in self.charges]}


# --- cases ------------------------------------------------------------------------------------


def find_case(ctx: Context, key: str) -> Case:
    """A case by its id (digits) or its reference (``C25-0001``, any letter case)."""
    text = key.strip()
    if text.isascii() and text.isdigit():
        found = ctx.session.get(Case, int(text))
    else:
        found = ctx.session.scalar(select(Case).where(func.upper(Case.ref) == text.upper()))
    if found is None:
        raise NotFound(f"There is no case {key.strip()!r}.", code="unknown_case")
    return found


def _case_query() -> Select[Case, School, int | None, Decimal | None, Decimal | None]:
    """Cases with their school, session count, hours counted and casework charged: one statement."""
    worked = (select(Session.case_id, func.count(Session.id).label("n"),
                     func.sum(Session.delivered_hours).filter(Session.status.in_(COUNTED)).label("hours"))
              .where(Session.case_id.is_not(None)).group_by(Session.case_id).subquery())
    charged = (select(Charge.case_id, func.sum(Charge.amount).label("amount"))
               .where(Charge.case_id.is_not(None), Charge.kind == "casework", Charge.status != ChargeStatus.WITHDRAWN)
               .group_by(Charge.case_id).subquery())
    return (select(Case, School, worked.c.n, worked.c.hours, charged.c.amount)
            .join(School, School.id == Case.school_id)
            .outerjoin(worked, worked.c.case_id == Case.id).outerjoin(charged, charged.c.case_id == Case.id)
            .order_by(Case.referred_on, Case.id))


def _case_views(ctx: Context, stmt: Select[Case, School, int | None, Decimal | None, Decimal | None],
                ) -> list[CaseView]:
    return [CaseView(
        id=case.id, ref=case.ref, urn=school.urn, school=school.name,
        year=AcademicYear(case.academic_year).name, referred=case.referred_on, planning=case.planning_on,
        plan_ends=plan_end(case.planning_on) if case.planning_on else None,
        acknowledged=case.acknowledged_at, closed=case.closed_on, covered=case.covered, sessions=n or 0,
        hours=Decimal(hours or NO_HOURS).quantize(NO_HOURS), charged=charged or ZERO)
        for case, school, n, hours, charged in ctx.session.execute(stmt)]


def list_cases(ctx: Context, urn: str | None = None, year: AcademicYear | None = None,
               open_only: bool = False) -> list[CaseView]:
    """Cases in referral order, optionally one school's, one academic year's, or only those still open."""
    stmt = _case_query()
    if urn is not None:
        stmt = stmt.where(Case.school_id == get_school(ctx, urn).id)
    if year is not None:
        stmt = stmt.where(Case.academic_year == year.start_year)
    if open_only:
        stmt = stmt.where(Case.closed_on.is_(None))
    return _case_views(ctx, stmt)


def show_case(ctx: Context, key: str) -> CaseDetail:
    """One case with its sessions and the casework charged on it."""
    case = find_case(ctx, key)
    view = _case_views(ctx, _case_query().where(Case.id == case.id))[0]
    charges = ctx.session.scalars(select(Charge).where(Charge.case_id == case.id).order_by(Charge.due_on, Charge.id))
    return CaseDetail(view, tuple(list_sessions(ctx, case_key=str(case.id))), tuple(charge_views(ctx, list(charges))))


# --- sessions ---------------------------------------------------------------------------------


def _session_query() -> Select[Session, str, str | None, str, str]:
    parent = aliased(Order)
    school_id = func.coalesce(Case.school_id, parent.school_id)
    return (select(Session, Staff.name, Case.ref, School.urn, School.name)
            .join(Staff, Staff.id == Session.staff_id)
            .outerjoin(Case, Case.id == Session.case_id)
            .outerjoin(parent, parent.id == Session.order_id)
            .join(School, School.id == school_id)
            .order_by(Session.starts_at, Session.id))


def _session_view(session: Session, staff: str, ref: str | None, urn: str, school: str) -> SessionView:
    return SessionView(id=session.id, case_id=session.case_id, case=ref, order_id=session.order_id, urn=urn,
                       school=school, service=session.service_code, start=session.starts_at, staff=staff,
                       hours=session.planned_hours, delivered_hours=session.delivered_hours,
                       status=session.status, notified=session.notified_at, moved_to=session.replaced_by_id)


def list_sessions(ctx: Context, case_key: str | None = None, urn: str | None = None,
                  start: date | None = None, end: date | None = None, order_id: int | None = None,
                  ) -> list[SessionView]:
    """Sessions in time order: one case's (id or reference), one order's, one school's, or starting from/to a day."""
    stmt = _session_query()
    if case_key is not None:
        stmt = stmt.where(Session.case_id == find_case(ctx, case_key).id)
    if order_id is not None:
        stmt = stmt.where(Session.order_id == order_id)
    if urn is not None:
        stmt = stmt.where(School.id == get_school(ctx, urn).id)
    since, until = day_bounds(start, end)
    if since is not None:
        stmt = stmt.where(Session.starts_at >= since)
    if until is not None:
        stmt = stmt.where(Session.starts_at < until)
    return [_session_view(*row) for row in ctx.session.execute(stmt)]


def show_session(ctx: Context, session_id: int) -> SessionView:
    row = ctx.session.execute(_session_query().where(Session.id == session_id)).first()
    if row is None:
        raise NotFound(f"There is no session {session_id}.", code="unknown_session")
    return _session_view(*row)
