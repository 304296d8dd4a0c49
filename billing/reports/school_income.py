"""Per school and academic year: subscription income, extras, interest, cost, net (domain-rules §9).

Income is recognised by the days of service up to the as-of date, net of VAT
(billing.reports.ledger.earned_income): a subscription's fee evenly over each day
of its contract year, to its effective end, whatever the schedule and whenever
the invoices fall; casework and orders on their delivery dates; credit notes on
the days they belong to. Each academic year shows what its own days earned. Cost is the staff cost of every delivered and deemed-delivered
session on the school's cases and orders of that year (hours × the rate in force
that day) plus non-staff costs recorded against its cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.context import Context
from billing.models import Case, Cost, School
from billing.reports.ledger import earned_income, work_done
from pricing.calendars import AcademicYear
from pricing.money import ZERO, to_pence


@dataclass
class SchoolYear:
    urn: str
    school: str
    year: str
    subscription: Decimal = ZERO
    extras: Decimal = ZERO
    interest: Decimal = ZERO
    cost: Decimal = ZERO

    @property
    def income(self) -> Decimal:
        return self.subscription + self.extras + self.interest

    @property
    def net(self) -> Decimal:
        return self.income - self.cost

    def as_json(self) -> dict[str, object]:
        return {"urn": self.urn, "school": self.school, "year": self.year, "subscription": self.subscription,
                "extras": self.extras, "interest": self.interest, "income": self.income, "cost": self.cost,
                "net": self.net}


@dataclass
class SchoolReport:
    year: AcademicYear | None
    as_of: date
    rows: list[SchoolYear]

    def as_json(self) -> dict[str, object]:
        totals = {k: sum((getattr(r, k) for r in self.rows), ZERO)
                  for k in ("subscription", "extras", "interest", "income", "cost", "net")}
        return {"year": self.year.name if self.year else None, "as_of": self.as_of,
                "schools": [r.as_json() for r in self.rows], "totals": totals}


def school_report(ctx: Context, year: AcademicYear | None = None) -> SchoolReport:
    """Each school's income, cost and net per academic year (``year`` only, if given) as of today (§9)."""
    today = ctx.today
    schools = {s.id: s for s in ctx.session.scalars(select(School))}
    rows: dict[tuple[int, int], SchoolYear] = {}

    def row(school_id: int, start_year: int) -> SchoolYear:
        key = (school_id, start_year)
        if key not in rows:
            s = schools[school_id]
            rows[key] = SchoolYear(s.urn, s.name, AcademicYear(start_year).name)
        return rows[key]

    for item in earned_income(ctx, today):
        if item.first_day > today:
            continue
        years = range(AcademicYear.of(item.first_day).start_year,
                      AcademicYear.of(min(item.last_day, today)).start_year + 1)
        for ay in (AcademicYear(y) for y in years):
            if year is not None and ay != year:
                continue
            amount = item.between(ay.start, min(ay.end, today))
            r = row(item.school_id, ay.start_year)
            if item.category == "subscription":
                r.subscription += amount
            elif item.category == "interest":
                r.interest += amount
            else:
                r.extras += amount
    exact: dict[tuple[int, int], Decimal] = defaultdict(lambda: Decimal(0))
    for w in work_done(ctx, today):
        if year is None or w.academic_year == year.start_year:
            exact[(w.school_id, w.academic_year)] += w.cost
    cases = {c.id: c for c in ctx.session.scalars(select(Case))}
    for cost in ctx.session.scalars(select(Cost).where(Cost.case_id.is_not(None), Cost.incurred_on <= today)):
        case = cases.get(cost.case_id or 0)
        if case is not None and (year is None or case.academic_year == year.start_year):
            exact[(case.school_id, case.academic_year)] += cost.amount
    for key, amount in exact.items():
        row(*key).cost = to_pence(amount)
    ordered = sorted(rows.values(), key=lambda r: (r.year, r.school, r.urn))
    return SchoolReport(year=year, as_of=today, rows=ordered)
