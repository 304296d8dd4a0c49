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
- Full cost (issue 19, time-driven costing) = the case's share of the cost pool by
  delivered hours + non-staff costs recorded against the case. The pool is the
  establishment's pay (billing.reports.establishment_cost.pay_lines: every post,
  delivery or not) for the academic year's days up to the as-of date, plus the
  non-staff costs recorded in those days against no case. It is shared
  (pricing.establishment.full_cost_shares, largest remainder) over the hours
  delivered — each case of the year and each order of the year — and the delivery
  capacity not sold (capacity_lines over the same days, less the hours delivered),
  so cases + orders + capacity not sold = the pool exactly. With no establishment
  pay or capacity in those days (no posts recorded) there is no pool to share:
  full cost = direct cost + non-staff costs recorded against the case, and the other
  non-staff costs are shown as not allocated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.budgets import costs_between
from billing.context import Context
from billing.models import Case, Cost, Order, School
from billing.pricebooks import version_for
from billing.reports.allocation import largest_remainder
from billing.reports.establishment_cost import pay_lines
from billing.reports.ledger import Earned, WorkDone, earned_income, income_lines, work_done
from billing.reports.utilisation import utilisation_report
from pricing.calendars import AcademicYear
from pricing.daycharge import day_rate_value
from pricing.errors import NotFound
from pricing.establishment import full_cost_shares, utilisation
from pricing.money import ZERO, as_pounds, to_pence

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
    "benchmark": "the service's own figure for a case: £4,000.00 to £4,500.00 (the evaluation's cost of a case "
                 "at the day rate); the average full cost and the average day-rate value of a closed case (closed "
                 "by the as-of date, with hours delivered) are each said to be below, within or above it. Open "
                 "cases are part-way and cases with no hours have cost nothing yet, so the average over all cases "
                 "is shown beside it but not compared",
    "closed": "the case was closed on or before the as-of date",
    "non_staff": "non-staff costs recorded against the case, up to the as-of date",
    "full_cost": "the case's share of the pool by delivered hours (deemed-delivered included) + its non-staff "
                 "costs. Pool = establishment pay for the academic year's days up to the as-of date + non-staff "
                 "costs recorded in those days against no case; shared by largest remainder over the hours of "
                 "the year's cases, the year's orders and the delivery capacity not sold, so they add up to the "
                 "pool exactly. With no establishment pay or capacity in those days (no posts recorded): direct "
                 "cost + non-staff costs recorded against the case, the other non-staff costs not allocated",
    "full_cost_below_direct": "a case's full cost can be below its direct cost: full cost charges every hour at "
                              "the team's average cost of a capacity hour (the pool / capacity), whoever worked it, "
                              "while direct cost uses each worker's own rate, so a case worked by staff dearer than "
                              "that average shows a direct cost above its full cost (and one worked by cheaper "
                              "staff the other way)",
    "net_full_cost": "income - full cost",
    "capacity": "hours the delivery posts' holders can deliver over the same days, after leave and training "
                "allowances",
    "utilisation": "hours delivered by the holders of delivery posts in those posts (deemed-delivered included) / "
                   "capacity hours, as `report utilisation` has it for the same days; hours delivered by people "
                   "with no delivery post take their share of the pool but are in no capacity, so are shown apart "
                   "and not in the utilisation",
    "capacity_not_sold": "the pool's share falling on capacity hours nobody bought",
}

BASIS_ESTABLISHMENT = "establishment"
BASIS_DIRECT = "direct cost (no establishment)"


@dataclass
class CaseCost:
    case_id: int
    ref: str
    urn: str
    school: str
    year: str
    covered: bool
    closed: bool = False  # closed on or before the as-of date
    hours: Decimal = Decimal("0.00")
    deemed_hours: Decimal = Decimal("0.00")
    cost: Decimal = ZERO
    day_rate_value: Decimal = ZERO
    income_billed: Decimal = ZERO
    subscription_share: Decimal = ZERO
    non_staff: Decimal = ZERO
    full_cost: Decimal = ZERO

    @property
    def income(self) -> Decimal:
        return self.income_billed + self.subscription_share

    @property
    def net_full_cost(self) -> Decimal:
        return self.income - self.full_cost

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.case_id, "ref": self.ref, "urn": self.urn, "school": self.school, "year": self.year,
            "covered": self.covered, "closed": self.closed, "hours": self.hours, "deemed_hours": self.deemed_hours, "cost": self.cost,
            "day_rate_value": self.day_rate_value, "income_billed": self.income_billed,
            "subscription_share": self.subscription_share, "income": self.income,
            "net": self.income - self.cost, "non_staff": self.non_staff, "full_cost": self.full_cost,
            "net_full_cost": self.net_full_cost,
        }


def benchmark_verdict(value: Decimal) -> str:
    """Where ``value`` falls against the service's £4,000–£4,500 a case: below, within or above."""
    if value < BENCHMARK_LOW:
        return "below"
    return "above" if value > BENCHMARK_HIGH else "within"


@dataclass(frozen=True)
class FullCost:
    """The pool and how it was shared over the year's cases, orders and capacity not sold."""

    first: date
    last: date  # the academic year's days up to the as-of date (last < first: none yet)
    basis: str
    pay: Decimal = ZERO
    pooled_non_staff: Decimal = ZERO
    direct_non_staff: Decimal = ZERO  # recorded against the year's cases
    capacity_hours: Decimal = Decimal("0.00")
    case_hours: Decimal = Decimal("0.00")
    order_hours: Decimal = Decimal("0.00")
    posted_hours: Decimal = Decimal("0.00")  # by delivery post-holders in their posts: the utilisation's hours
    unposted_hours: Decimal = Decimal("0.00")  # by people with no delivery post on the day: in no utilisation
    to_cases: Decimal = ZERO  # the cases' shares of the pool (their non-staff costs apart)
    to_orders: Decimal = ZERO
    capacity_not_sold: Decimal = ZERO
    not_allocated: Decimal = ZERO  # pooled non-staff costs with no establishment to share them over

    @property
    def pool(self) -> Decimal:
        return self.pay + self.pooled_non_staff

    @property
    def delivered_hours(self) -> Decimal:
        return self.case_hours + self.order_hours

    @property
    def utilisation(self) -> Decimal | None:
        """As billing.reports.utilisation has it: post-holders' hours in their delivery posts / capacity."""
        return utilisation(self.posted_hours, self.capacity_hours)

    @property
    def cost_per_capacity_hour(self) -> Decimal | None:
        return to_pence(self.pool / self.capacity_hours) if self.capacity_hours > 0 else None

    def as_json(self) -> dict[str, object]:
        return {
            "basis": self.basis, "from": self.first, "to": self.last, "pay": self.pay,
            "pooled_non_staff": self.pooled_non_staff, "pool": self.pool,
            "direct_non_staff": self.direct_non_staff, "capacity_hours": self.capacity_hours,
            "case_hours": self.case_hours, "order_hours": self.order_hours,
            "delivered_hours": self.delivered_hours, "post_holders_hours": self.posted_hours,
            "hours_without_a_delivery_post": self.unposted_hours, "utilisation_percent": self.utilisation,
            "cost_per_capacity_hour": self.cost_per_capacity_hour, "to_cases": self.to_cases,
            "to_orders": self.to_orders, "capacity_not_sold": self.capacity_not_sold,
            "not_allocated": self.not_allocated,
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
    full: FullCost | None = None

    def total(self, attr: str) -> Decimal:
        return sum((getattr(c, attr) for c in self.cases), ZERO)

    def average(self, attr: str) -> Decimal:
        return to_pence(self.total(attr) / len(self.cases)) if self.cases else ZERO

    @property
    def complete(self) -> list[CaseCost]:
        """The cases closed by the as-of date with hours delivered: the fair sample for the cost of a case."""
        return [c for c in self.cases if c.closed and c.hours > 0]

    def average_closed(self, attr: str) -> Decimal | None:
        """The average of ``attr`` over the complete cases (None: no case closed with hours yet)."""
        done = self.complete
        return to_pence(sum((getattr(c, attr) for c in done), ZERO) / len(done)) if done else None

    def benchmark(self) -> dict[str, object]:
        """The average full cost and day-rate value of a closed case (closed by the as-of date, with hours
        delivered: a complete case) against the evaluation's £4,000–£4,500 a case. Open cases are part-way
        and cases with no hours cost nothing yet, so the all-cases average would flatter the service."""
        done = self.complete
        full, value = self.average_closed("full_cost"), self.average_closed("day_rate_value")
        out: dict[str, object] = {"low": BENCHMARK_LOW, "high": BENCHMARK_HIGH, "closed_cases": len(done),
                                  "full_cost": full, "day_rate_value": value, "full_cost_is": None,
                                  "day_rate_value_is": None, "full_cost_all_cases": self.average("full_cost")}
        band = f"the service's {as_pounds(BENCHMARK_LOW)} to {as_pounds(BENCHMARK_HIGH)} a case"
        if not self.cases:
            out["line"] = f"No cases yet to compare with {band}."
            return out
        every = (f"Over all cases ({len(self.cases)}), open ones and those with no hours yet included, the average "
                 f"full cost is {as_pounds(self.average('full_cost'))}.")
        if full is None or value is None:
            out["line"] = f"No case closed with hours delivered yet to compare with {band}. {every}"
            return out
        out["full_cost_is"], out["day_rate_value_is"] = benchmark_verdict(full), benchmark_verdict(value)
        closed = "1 closed case" if len(done) == 1 else f"{len(done)} closed cases"
        out["line"] = (f"Average full cost of a closed case {as_pounds(full)} is {out['full_cost_is']} and its "
                       f"average day-rate value {as_pounds(value)} is {out['day_rate_value_is']} {band} (the "
                       f"evaluation's cost of a case at the day rate), over {closed} with hours delivered. {every}")
        return out

    def as_json(self) -> dict[str, object]:
        return {
            "year": self.year.name, "as_of": self.as_of, "definitions": DEFINITIONS,
            "cases": [c.as_json() for c in self.cases],
            "totals": {"cases": len(self.cases), "hours": self.total("hours"),
                       "deemed_hours": self.total("deemed_hours"), "cost": self.total("cost"),
                       "day_rate_value": self.total("day_rate_value"),
                       "income_billed": self.total("income_billed"),
                       "subscription_share": self.total("subscription_share"), "income": self.total("income"),
                       "non_staff": self.total("non_staff"), "full_cost": self.total("full_cost"),
                       "net_full_cost": self.total("net_full_cost")},
            "averages": {"cost": self.average("cost"), "day_rate_value": self.average("day_rate_value"),
                         "income": self.average("income"), "hours": self.average("hours"),
                         "full_cost": self.average("full_cost"),
                         "closed_cases": len(self.complete),
                         "full_cost_closed": self.average_closed("full_cost"),
                         "cost_closed": self.average_closed("cost"),
                         "day_rate_value_closed": self.average_closed("day_rate_value"),
                         "income_closed": self.average_closed("income"),
                         "hours_closed": self.average_closed("hours"),
                         "benchmark_low": BENCHMARK_LOW, "benchmark_high": BENCHMARK_HIGH},
            "full_cost": self.full.as_json() if self.full is not None else None,
            "benchmark": self.benchmark(),
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
    # The ledger as it stood on the as-of date: a case referred later is not a case yet.
    cases = list(ctx.session.scalars(select(Case).where(Case.academic_year == ay.start_year,
                                                        Case.referred_on <= today)
                                     .order_by(Case.referred_on, Case.id)))
    covered_orders = {o.id for o in ctx.session.scalars(
        select(Order).where(Order.academic_year == ay.start_year, Order.covered.is_(True)))}
    work = [w for w in work_done(ctx, today) if w.academic_year == ay.start_year]
    lines = income_lines(ctx, today)

    rows: dict[int, CaseCost] = {}
    exact_cost: dict[int, Decimal] = defaultdict(lambda: Decimal(0))
    for case in cases:
        school = schools[case.school_id]
        rows[case.id] = CaseCost(case.id, case.ref, school.urn, school.name, ay.name, case.covered,
                                 closed=case.closed_on is not None and case.closed_on <= today)
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
    full = _full_cost(ctx, ay, today, rows, work)
    return CaseCostReport(year=ay, as_of=today, cases=list(rows.values()), allocations=allocations, full=full)


def _full_cost(ctx: Context, ay: AcademicYear, today: date, rows: dict[int, CaseCost],
               work: list[WorkDone]) -> FullCost:
    """Share the year's pool over its cases, its orders and capacity not sold; set each case's full cost."""
    first, last = ay.start, min(ay.end, today)
    direct: list[Cost] = []
    pooled = ZERO
    if last >= first:
        for cost in costs_between(ctx, first, last):
            if cost.case_id is None:
                pooled += cost.amount
    # A case's own non-staff costs are its own whatever day they fell on (up to the as-of date).
    if rows:
        direct = list(ctx.session.scalars(select(Cost).where(Cost.case_id.in_(list(rows)),
                                                             Cost.incurred_on <= today)))
    for cost in direct:
        assert cost.case_id is not None
        rows[cost.case_id].non_staff += cost.amount
    hours: dict[tuple[str, int], Decimal] = defaultdict(lambda: Decimal(0))
    for w in work:
        if w.case_id is not None and w.case_id in rows:
            hours[("case", w.case_id)] += w.hours
        elif w.order_id is not None:
            hours[("order", w.order_id)] += w.hours
    case_hours = sum((h for (what, _), h in hours.items() if what == "case"), Decimal("0.00"))
    order_hours = sum((h for (what, _), h in hours.items() if what == "order"), Decimal("0.00"))
    pay = sum((p.amount for p in pay_lines(ctx, first, last)), ZERO) if last >= first else ZERO
    # Capacity and utilisation exactly as `report utilisation` has them for the same days; the pool is still
    # shared over every hour delivered on the year's cases and orders, whoever delivered it.
    util = utilisation_report(ctx, first, last) if last >= first else None
    capacity = util.capacity if util is not None else Decimal("0.00")
    posted = util.delivered if util is not None else Decimal("0.00")
    unposted = util.unposted_hours if util is not None else Decimal("0.00")
    direct_total = sum((c.amount for c in direct), ZERO)
    if pay <= 0 and capacity <= 0:
        for row in rows.values():
            row.full_cost = row.cost + row.non_staff
        return FullCost(first, last, BASIS_DIRECT, pay=pay, pooled_non_staff=pooled, direct_non_staff=direct_total,
                        case_hours=case_hours, order_hours=order_hours, posted_hours=posted,
                        unposted_hours=unposted, not_allocated=pooled)
    shares, not_sold = full_cost_shares(pay + pooled, capacity, hours)
    to_cases = to_orders = ZERO
    for row in rows.values():
        share = shares.get(("case", row.case_id), ZERO)
        row.full_cost = share + row.non_staff
        to_cases += share
    to_orders = sum((v for (what, _), v in shares.items() if what == "order"), ZERO)
    return FullCost(first, last, BASIS_ESTABLISHMENT, pay=pay, pooled_non_staff=pooled,
                    direct_non_staff=direct_total, capacity_hours=capacity, case_hours=case_hours,
                    order_hours=order_hours, posted_hours=posted, unposted_hours=unposted, to_cases=to_cases, to_orders=to_orders, capacity_not_sold=not_sold)


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
