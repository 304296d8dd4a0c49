"""The manager's per-case view: hours, cost, day-rate value and income (domain-rules §6, §9).

Definitions (printed with the report):

- Case cost = Σ over delivered and deemed-delivered sessions of hours × the
  staff member's cost rate in force on the session's London date (dated rates:
  past cases keep their rate). Deemed-delivered hours are included and shown apart.
- Day-rate value = pricing.daycharge.day_rate_value(hours, hours_per_day, day_rate)
  from the price book of the case's academic year: hours at the day rate, not rounded up.
- Income billed = the case's extra-casework charges on issued invoices, net of VAT,
  less credit notes against those lines.
- Subscription share (covered cases) = the school's subscription income for that
  academic year, recognised by days of service up to the as-of date (the year's
  fee evenly over its days to the effective end, whatever the schedule; net of
  VAT; credit notes on the days they belong to: billing.reports.ledger), shared
  by delivered hours over the subscription-covered work the school had that
  year — its covered cases and sessions on its covered orders — by largest remainder,
  so the shares add up to the subscription income exactly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.context import Context
from billing.models import Case, Order, School
from billing.pricebooks import version_for
from billing.reports.allocation import largest_remainder
from billing.reports.ledger import Earned, WorkDone, earned_income, income_lines, work_done
from pricing.calendars import AcademicYear
from pricing.daycharge import day_rate_value
from pricing.errors import NotFound
from pricing.money import ZERO, to_pence

BENCHMARK_LOW = Decimal("4000.00")
BENCHMARK_HIGH = Decimal("4500.00")

DEFINITIONS = {
    "cost": "hours delivered (deemed-delivered included) x the staff member's hourly cost rate in force "
            "on the session's date",
    "day_rate_value": "hours / hours per day x day rate of the case's academic-year price book, not rounded up",
    "income_billed": "extra-casework charges for the case on issued invoices, net of VAT, less credit notes",
    "subscription_share": "covered cases: the school's subscription income for the year (recognised by days of "
                          "service to date, whatever the billing schedule), shared by delivered hours over its "
                          "covered cases and sessions on its covered orders, largest remainder so the shares add "
                          "up to the subscription income exactly",
    "benchmark": "the service's own figure for a case: 4000.00 to 4500.00",
}


@dataclass
class CaseCost:
    case_id: int
    ref: str
    urn: str
    school: str
    year: str
    covered: bool
    hours: Decimal = Decimal("0.00")
    deemed_hours: Decimal = Decimal("0.00")
    cost: Decimal = ZERO
    day_rate_value: Decimal = ZERO
    income_billed: Decimal = ZERO
    subscription_share: Decimal = ZERO

    @property
    def income(self) -> Decimal:
        return self.income_billed + self.subscription_share

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.case_id, "ref": self.ref, "urn": self.urn, "school": self.school, "year": self.year,
            "covered": self.covered, "hours": self.hours, "deemed_hours": self.deemed_hours, "cost": self.cost,
            "day_rate_value": self.day_rate_value, "income_billed": self.income_billed,
            "subscription_share": self.subscription_share, "income": self.income,
            "net": self.income - self.cost,
        }


@dataclass
class SchoolAllocation:
    """How one school's subscription income for the year was shared out."""

    urn: str
    school: str
    subscription_income: Decimal
    case_hours: Decimal
    other_hours: Decimal
    to_cases: Decimal
    to_other_services: Decimal
    unallocated: Decimal

    def as_json(self) -> dict[str, object]:
        return {
            "urn": self.urn, "school": self.school, "subscription_income": self.subscription_income,
            "covered_case_hours": self.case_hours, "covered_order_hours": self.other_hours,
            "allocated_to_cases": self.to_cases, "allocated_to_other_services": self.to_other_services,
            "unallocated": self.unallocated,
        }


@dataclass
class CaseCostReport:
    year: AcademicYear
    as_of: date
    cases: list[CaseCost]
    allocations: list[SchoolAllocation] = field(default_factory=list)

    def total(self, attr: str) -> Decimal:
        return sum((getattr(c, attr) for c in self.cases), ZERO)

    def average(self, attr: str) -> Decimal:
        return to_pence(self.total(attr) / len(self.cases)) if self.cases else ZERO

    def as_json(self) -> dict[str, object]:
        return {
            "year": self.year.name, "as_of": self.as_of, "definitions": DEFINITIONS,
            "cases": [c.as_json() for c in self.cases],
            "totals": {"cases": len(self.cases), "hours": self.total("hours"),
                       "deemed_hours": self.total("deemed_hours"), "cost": self.total("cost"),
                       "day_rate_value": self.total("day_rate_value"),
                       "income_billed": self.total("income_billed"),
                       "subscription_share": self.total("subscription_share"), "income": self.total("income")},
            "averages": {"cost": self.average("cost"), "day_rate_value": self.average("day_rate_value"),
                         "income": self.average("income"), "hours": self.average("hours"),
                         "benchmark_low": BENCHMARK_LOW, "benchmark_high": BENCHMARK_HIGH},
            "allocation": [a.as_json() for a in self.allocations],
        }


def subscription_income(earned: list[Earned], year: AcademicYear, through: date) -> dict[int, Decimal]:
    """Subscription income per school id recognised on the days of ``year`` up to ``through`` (§9)."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for item in earned:
        if item.category == "subscription" and item.first_day <= min(year.end, through) \
                and item.last_day >= year.start:
            out[item.school_id] += item.between(year.start, min(year.end, through))
    return out


def case_costs(ctx: Context, year: AcademicYear | None = None) -> CaseCostReport:
    """Per case of ``year`` (default: the academic year of today): hours, cost, day-rate value, income (§9)."""
    ay = year or AcademicYear.of(ctx.today)
    today = ctx.today
    schools = {s.id: s for s in ctx.session.scalars(select(School))}
    cases = list(ctx.session.scalars(select(Case).where(Case.academic_year == ay.start_year)
                                     .order_by(Case.referred_on, Case.id)))
    covered_orders = {o.id for o in ctx.session.scalars(
        select(Order).where(Order.academic_year == ay.start_year, Order.covered.is_(True)))}
    work = [w for w in work_done(ctx, today) if w.academic_year == ay.start_year]
    lines = income_lines(ctx, today)

    rows: dict[int, CaseCost] = {}
    exact_cost: dict[int, Decimal] = defaultdict(lambda: Decimal(0))
    for case in cases:
        school = schools[case.school_id]
        rows[case.id] = CaseCost(case.id, case.ref, school.urn, school.name, ay.name, case.covered)
    for w in work:
        if w.case_id in rows:
            row = rows[w.case_id]
            row.hours += w.hours
            if w.deemed:
                row.deemed_hours += w.hours
            exact_cost[w.case_id] += w.cost
    if rows:
        try:
            version = version_for(ctx, ay)
        except NotFound:
            version = None
        for case_id, row in rows.items():
            row.cost = to_pence(exact_cost[case_id])
            if version is not None:
                row.day_rate_value = day_rate_value(row.hours, version.hours_per_day, version.day_rate)
    for line in lines:
        if line.charge_kind == "casework" and line.case_id in rows:
            rows[line.case_id].income_billed += line.net

    income = subscription_income(earned_income(ctx, today, lines), ay, today)
    allocations = _allocate_subscriptions(schools, rows, work, covered_orders, income)
    return CaseCostReport(year=ay, as_of=today, cases=list(rows.values()), allocations=allocations)


def _allocate_subscriptions(schools: dict[int, School], rows: dict[int, CaseCost], work: list[WorkDone],
                            covered_orders: set[int], income: dict[int, Decimal]) -> list[SchoolAllocation]:
    covered_cases = {cid for cid, r in rows.items() if r.covered}
    weights: dict[int, dict[tuple[str, int], Decimal]] = defaultdict(dict)
    for w in work:
        key: tuple[str, int] | None = None
        if w.case_id is not None and w.case_id in covered_cases:
            key = ("case", w.case_id)
        elif w.order_id is not None and w.order_id in covered_orders:
            key = ("order", w.order_id)
        if key is not None:
            weights[w.school_id][key] = weights[w.school_id].get(key, Decimal(0)) + w.hours
    out: list[SchoolAllocation] = []
    for school_id in sorted(set(income) | set(weights), key=lambda sid: schools[sid].name):
        amount = income.get(school_id, ZERO)
        shares = largest_remainder(amount, weights.get(school_id, {}))
        to_cases = to_other = ZERO
        case_hours = other_hours = Decimal("0.00")
        for (what, ident), share in shares.items():
            if what == "case":
                rows[ident].subscription_share = share
                to_cases += share
            else:
                to_other += share
        for (what, _), hours in weights.get(school_id, {}).items():
            if what == "case":
                case_hours += hours
            else:
                other_hours += hours
        school = schools[school_id]
        out.append(SchoolAllocation(school.urn, school.name, amount, case_hours, other_hours, to_cases, to_other,
                                    amount - to_cases - to_other))
    return out
