"""Budget against actual for one financial year, by funding source (domain-rules §1, §9).

Income recognition: by the days of service, not by how it was invoiced: a
subscription's fee evenly over each day of its contract year up to its effective
end, whatever the schedule; casework and orders on their delivery dates; credit
notes on the days they belong to. Each item's income on any run of days is one
running total to the penny, so months add up to the year and years to the item,
exactly. A subscription year is income partly in this financial year and partly in
the next. Deferred income: per item (a subscription, a charge), what was invoiced
by the end of this financial year (and the as-of date) beyond what is recognised up
to that end; brought forward: what was invoiced before this year and not yet
recognised then, as far as it is recognised in this year.

Staff costs from the establishment: when any post is in force in the year, staff
actual = the posts' pay for the days each is filled, from the start of the year to
the as-of date (each assignment's share of its post's 12-month cost with on-costs,
by the day, shared between the post's funding sources), and staff forecast =
committed pay: the whole year's pay of the assignments recorded (ended, current and
starting later), not a straight line, so a vacancy lowers the forecast and a new
starter raises it. Delivery-hours cost (delivered and deemed-delivered hours × the
staff member's rate in force that day) is then not spend: it is given apart as the
direct delivery cost. With no post in force in the year, staff cost is that
delivery-hours cost, as before the establishment was recorded: only hours recorded
on sessions are costed, so a post's actual is the cost of its recorded work, not its
salary. Recorded non-staff costs are spend either way.

Mapping actuals onto budget lines:
- traded income (subscriptions, extra casework, orders, interest) goes to the
  income line with source "traded income" whose name mentions that kind
  ("subscription", "casework", "order"/"training", "interest"), else to the first
  traded-income line; with no traded-income line it is shown as "Unbudgeted traded income".
- council budget and schools forum / high-needs block income lines are transfers
  the engine does not record: their actual is the budget recognised evenly by day
  (basis "allocation"), so they neither flatter nor spoil the variance. A council or
  schools forum source with funding budgets recorded but no income line gets a line
  of its own ("Funding: <source>", basis "funding budget"): its budgets' parts in the
  year, evenly by day.
- a post's pay from each funding source goes to the cost line whose name holds the
  post's title (plurals allowed: "Inclusion support leads" takes the post
  "Inclusion support lead"; when several lines do, the one of the same funding
  source, then the closest name), else to a line named after the post (basis
  "unbudgeted"; "Title (source)" when the post has several funding sources).
- with no establishment, delivery-hours costs go to the cost line naming the
  member of staff, else the one naming their role (plurals allowed: "Inclusion
  workers" takes every "Inclusion worker"; the closest name wins), else
  "Unallocated staff costs".
- non-staff costs go to the non-post cost line (no FTE) of the same funding source
  sharing most words with the cost's description (else that source's first
  non-post line), else "Unallocated non-staff costs".

Budget to date = the line's budget spread evenly by day over its days (the whole year, or the
part of it the line is for: a post filled from September) up to the as-of date;
variance = actual to date − budget to date.

Forecast to the year end, the same as the forecast report's, line by line:
- traded income: recognised to date + what is already on the ledger for the rest of
  the year (invoiced and scheduled: subscriptions' fees by their days, charges
  raised); nothing is assumed of income not yet contracted.
- council and schools forum income: the source's funding budgets' parts in the year
  (prorated by calendar days) on its first income line, nothing on its others; with
  no funding budget, the line's budget.
- staff cost: committed pay (establishment), else the run-rate; other costs: actual
  to date ÷ days elapsed × days in the year (straight line).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from billing.budgets import COUNCIL, SCHOOLS_FORUM, SOURCES, TRADED, budget_lines, costs_between, line_period
from billing.context import Context
from billing.models import BudgetLine, FundingBudget, Post
from billing.reports.establishment_cost import pay_lines, posts
from billing.reports.ledger import Earned, IncomeLine, Item, earned_income, income_lines, work_done
from pricing.accrual import FeeSpan, recognise_by_financial_year, recognised, split_by_month
from pricing.calendars import FinancialYear, days_inclusive
from pricing.establishment import prorate_budget, straight_line
from pricing.money import ZERO, as_pounds, money, to_pence

Month = tuple[int, int]

# Budget categories of traded income, and the words in a line's name that claim them.
INCOME_KINDS = {
    "subscription_fee": "subscriptions", "settlement": "subscriptions",
    "casework": "extra casework", "no_show": "extra casework", "order": "orders", "interest": "interest",
}
CLAIM_WORDS = {
    "subscriptions": ("subscription",), "extra casework": ("casework",),
    "orders": ("order", "training", "whole-class", "whole class"), "interest": ("interest",),
}
UNBUDGETED_INCOME = "Unbudgeted traded income"
UNALLOCATED_STAFF = "Unallocated staff costs"
UNALLOCATED_OTHER = "Unallocated non-staff costs"


def fy_months(fy: FinancialYear) -> list[Month]:
    return [(fy.start_year + (m > 12), (m - 1) % 12 + 1) for m in range(4, 16)]


def month_name(month: Month) -> str:
    return date(month[0], month[1], 1).strftime("%b %Y")


@dataclass(frozen=True)
class Recognition:
    """Income earned by days of service (§9), seen from one financial year.

    ``spans`` accrue daily and nothing is earned after ``end`` (pricing.accrual). The year's part is
    its part of pricing.accrual.recognise_by_financial_year (e.g. a 2019/20 fee is 213/366 in FY2019/20
    and 153/366 in FY2020/21, the parts adding up to the fee). Within the year, the amount recognised
    through a day is the running accrual from the start of service, to the penny, less what was
    recognised before the year: so monthly figures are differences of running totals and add up to
    the year's part exactly.
    """

    spans: tuple[FeeSpan, ...]
    fy: FinancialYear
    end: date | None = None

    @classmethod
    def over(cls, amount: Decimal, start: date, end: date, fy: FinancialYear) -> Recognition:
        """An amount earned evenly over ``start..end`` (a budget, or a plain period)."""
        return cls((FeeSpan(start, end, money(amount)),), fy)

    @classmethod
    def of(cls, earned: Earned, fy: FinancialYear) -> Recognition:
        return cls(earned.spans, fy, earned.end)

    @property
    def parts(self) -> dict[FinancialYear, Decimal]:
        return recognise_by_financial_year(self.spans, self.end)

    @property
    def in_year(self) -> Decimal:
        return recognised(self.spans, self.fy.start, self.fy.end, self.end)

    @property
    def later_years(self) -> Decimal:
        return sum((v for k, v in self.parts.items() if k.start_year > self.fy.start_year), ZERO)

    def through(self, day: date) -> Decimal:
        """Recognised in this financial year from its start up to and including ``day``."""
        return recognised(self.spans, self.fy.start, min(day, self.fy.end), self.end)

    def months(self, as_of: date | None = None) -> dict[Month, Decimal]:
        """This year's part by month; with ``as_of``, only what is recognised up to that day."""
        out: dict[Month, Decimal] = {}
        for month in fy_months(self.fy):
            last = _month_end(month) if as_of is None else min(_month_end(month), as_of)
            amount = recognised(self.spans, date(month[0], month[1], 1), last, self.end)
            if amount:
                out[month] = amount
        return out


def _month_end(month: Month) -> date:
    following = (month[0] + 1, 1) if month[1] == 12 else (month[0], month[1] + 1)
    return date.fromordinal(date(*following, 1).toordinal() - 1)


@dataclass(frozen=True)
class BudgetPart:
    """One funding budget's part in the financial year, with the days that make it."""

    source: str
    description: str
    whole: Decimal  # the budget for its whole period
    starts_on: date
    ends_on: date
    amount: Decimal  # its part in this financial year
    days: int
    of_days: int
    to_date: Decimal

    @property
    def days_text(self) -> str:
        return f"{self.days} of {self.of_days} days"

    def as_json(self) -> dict[str, object]:
        return {"source": self.source, "description": self.description, "whole": self.whole,
                "starts_on": self.starts_on, "ends_on": self.ends_on, "amount": self.amount,
                "days": self.days, "of_days": self.of_days, "days_text": self.days_text, "to_date": self.to_date}


def budget_parts(ctx: Context, fy: FinancialYear, as_of: date) -> list[BudgetPart]:
    """Each funding budget's part in ``fy`` (prorated by calendar days) and how much of it falls by ``as_of``."""
    out: list[BudgetPart] = []
    for fb in ctx.session.scalars(select(FundingBudget).order_by(FundingBudget.source, FundingBudget.starts_on,
                                                                 FundingBudget.description)):
        for part in prorate_budget(fb.amount, fb.starts_on, fb.ends_on):
            if part.fy != fy:
                continue
            first, last = max(fb.starts_on, fy.start), min(fb.ends_on, fy.end)
            to_date = Recognition.over(part.amount, first, last, fy).through(as_of) if as_of >= first else ZERO
            out.append(BudgetPart(fb.source, fb.description, fb.amount, fb.starts_on, fb.ends_on, part.amount,
                                  part.days, part.of_days, to_date))
    return out


@dataclass
class BudgetRow:
    line: str
    kind: str  # income | cost
    source: str
    budget: Decimal | None
    actual: Decimal = ZERO
    budget_to_date: Decimal | None = None  # the budget spread evenly by day over its days, to the as-of date
    fte: Decimal | None = None
    basis: str = "actual"  # actual | allocation | unbudgeted
    forecast: Decimal = ZERO
    monthly: dict[Month, Decimal] = field(default_factory=dict)
    pay: Decimal = ZERO  # establishment pay inside ``actual`` (to date)
    committed: Decimal = ZERO  # establishment pay for the whole year (the assignments recorded)
    period: tuple[date, date] | None = None  # the days the budget is spread over (None: the whole year)

    @property
    def variance(self) -> Decimal | None:
        """Actual to date less the budget to date (the budget spread evenly by day over its days)."""
        return None if self.budget_to_date is None else self.actual - self.budget_to_date

    def as_json(self) -> dict[str, object]:
        return {"line": self.line, "kind": self.kind, "source": self.source, "fte": self.fte,
                "budget": self.budget, "budget_to_date": self.budget_to_date, "actual": self.actual,
                "variance": self.variance,
                "forecast": self.forecast,
                "forecast_variance": None if self.budget is None else self.forecast - self.budget,
                "basis": self.basis}


@dataclass
class BudgetReport:
    fy: FinancialYear
    as_of: date
    days_elapsed: int
    rows: list[BudgetRow]
    invoiced_in_year: Decimal
    deferred: Decimal  # invoiced (to date) for service in later FYs
    brought_forward: Decimal  # invoiced in earlier FYs for service in this one
    budget_by_month: dict[str, dict[Month, Decimal]]
    actual_by_month: dict[str, dict[Month, Decimal]]
    staff_basis: str = "sessions"  # establishment (posts' pay) | sessions (delivery hours × rate)
    direct_delivery_cost: Decimal = ZERO  # delivered hours × rate in the year to date, whatever the basis
    # Per income line: traded income on the ledger for the rest of the year (invoiced and scheduled).
    contracted: dict[str, Decimal] = field(default_factory=dict)

    @property
    def sources(self) -> list[str]:
        """The funding sources of the rows: the three known ones first, then any other (a post unfunded)."""
        return sorted({r.source for r in self.rows} | set(SOURCES), key=_source_order)

    def totals(self, kind: str, source: str | None = None) -> dict[str, Decimal]:
        rows = [r for r in self.rows if r.kind == kind and (source is None or r.source == source)]
        return {"budget": sum((r.budget or ZERO for r in rows), ZERO),
                "budget_to_date": sum((r.budget_to_date or ZERO for r in rows), ZERO),
                "actual": sum((r.actual for r in rows), ZERO),
                "forecast": sum((r.forecast for r in rows), ZERO)}

    def by_source(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for source in self.sources:
            for kind in ("income", "cost"):
                if any(r.source == source and r.kind == kind for r in self.rows):
                    t = self.totals(kind, source)
                    out.append({"source": source, "kind": kind, **t, "variance": t["actual"] - t["budget_to_date"]})
        return out

    def as_json(self) -> dict[str, object]:
        inc, cost = self.totals("income"), self.totals("cost")
        return {
            "fy": self.fy.name, "as_of": self.as_of, "days_elapsed": self.days_elapsed, "days_in_year": self.fy.days,
            "lines": [r.as_json() for r in self.rows],
            "by_source": self.by_source(),
            "totals": {"income": inc, "cost": cost,
                       "net": {k: inc[k] - cost[k] for k in ("budget", "budget_to_date", "actual", "forecast")}},
            "staff_basis": self.staff_basis,
            "direct_delivery_cost": self.direct_delivery_cost,
            "income_recognition": {"invoiced_in_year": self.invoiced_in_year,
                                   "deferred_to_later_years": self.deferred,
                                   "brought_forward_from_earlier_years": self.brought_forward},
            "months": [
                {"month": f"{y}-{m:02d}", "budget_income": self.budget_by_month["income"][(y, m)],
                 "actual_income": self.actual_by_month["income"][(y, m)],
                 "budget_cost": self.budget_by_month["cost"][(y, m)],
                 "actual_cost": self.actual_by_month["cost"][(y, m)]}
                for (y, m) in fy_months(self.fy)],
            "method": __doc__.split("\n\n", 1)[1].strip() if __doc__ else "",
        }


INCOME_FORECAST = ("Income forecast: traded income recognised to date + what is invoiced and scheduled for the rest "
                   "of the year; council and schools forum income, their funding budgets' parts in the year (else "
                   "the budget line).")


def staff_note(report: BudgetReport) -> str:
    """How the staff cost and the forecast are made, in the words of the pack and the screen."""
    if report.staff_basis == "establishment":
        return ("Staff cost is the establishment's pay: each post's 12-month cost with on-costs for the days it is "
                "filled, shared between its funding sources; its forecast is the pay committed for the whole year "
                "by the assignments recorded (a vacancy stays vacant). Delivered hours x each person's hourly cost "
                f"({as_pounds(report.direct_delivery_cost)} this year to date) is the direct delivery cost, not "
                f"spend. {INCOME_FORECAST} Other costs' forecast: actual / days elapsed x days in the year.")
    return ("Staff cost is hours recorded on sessions x each person's dated hourly cost: for a post that is the "
            "cost of its recorded delivery, not its payroll (planning, travel, administration and leave are not on "
            f"sessions; record the establishment for pay). {INCOME_FORECAST} Costs' forecast: actual / days elapsed x "
            "days in the year.")


def _norm(text: str) -> str:
    return " ".join(w.rstrip("s") for w in re.findall(r"[a-z0-9/-]+", text.lower()))


def _staff_line(name: str, role: str, lines: list[BudgetLine]) -> BudgetLine | None:
    costs = [ln for ln in lines if ln.kind == "cost"]
    by_name = [ln for ln in costs if _norm(name) in _norm(ln.line)]
    if by_name:
        return by_name[0]
    by_role = [ln for ln in costs if _norm(role) and _norm(role) in _norm(ln.line)]
    if not by_role:
        return None
    return min(by_role, key=lambda ln: (_norm(ln.line) != _norm(role), len(ln.line), ln.id))


def _post_line(title: str, source: str, lines: list[BudgetLine]) -> BudgetLine | None:
    """The cost line whose name holds the post's title (plurals allowed); of several, the same source's."""
    wanted = _norm(title)
    found = [ln for ln in lines if ln.kind == "cost" and wanted and wanted in _norm(ln.line)]
    found = [ln for ln in found if ln.source == source] or found
    if not found:
        return None
    return min(found, key=lambda ln: (_norm(ln.line) != wanted, len(ln.line), ln.id))


def in_force(post: Post, fy: FinancialYear) -> bool:
    return post.starts_on <= fy.end and (post.ends_on is None or post.ends_on >= fy.start)


def _source_order(source: str) -> tuple[int, str]:
    return (SOURCES.index(source), "") if source in SOURCES else (len(SOURCES), source)


def _cost_line(description: str, source: str, lines: list[BudgetLine]) -> BudgetLine | None:
    candidates = [ln for ln in lines if ln.kind == "cost" and ln.fte is None and ln.source == source]
    if not candidates:
        return None
    words = {w for w in _norm(description).split() if len(w) > 3}
    return max(candidates, key=lambda ln: (len(words & set(_norm(ln.line).split())), -ln.id))


def _income_line(category: str, lines: list[BudgetLine]) -> BudgetLine | None:
    traded = [ln for ln in lines if ln.kind == "income" and ln.source == TRADED]
    for ln in traded:
        if any(word in ln.line.lower() for word in CLAIM_WORDS.get(category, ())):
            return ln
    return traded[0] if traded else None


def deferral(lines: list[IncomeLine], earned: list[Earned], fy: FinancialYear) -> tuple[Decimal, Decimal, Decimal]:
    """Invoiced in ``fy``, deferred to later years and brought forward from earlier ones (§9).

    Per item (a subscription, a charge): deferred = what was invoiced by the end of ``fy`` (and by
    the as-of date: ``lines`` end there) beyond what is recognised up to the end of ``fy``; brought
    forward = what was invoiced before ``fy`` beyond what was recognised by then, as far as ``fy``
    recognises it. Income recognised ahead of its invoice (a termly instalment still to come)
    defers nothing.
    """
    before = fy.start - timedelta(days=1)
    invoiced = ZERO
    billed_before: dict[Item, Decimal] = defaultdict(lambda: ZERO)
    billed: dict[Item, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        if line.issued_on > fy.end:
            continue
        billed[line.item] += line.net
        if line.issued_on < fy.start:
            billed_before[line.item] += line.net
        else:
            invoiced += line.net
    earned_before: dict[Item, Decimal] = defaultdict(lambda: ZERO)
    earned_by_end: dict[Item, Decimal] = defaultdict(lambda: ZERO)
    for item in earned:
        earned_before[item.item] += item.through(before)
        earned_by_end[item.item] += item.through(fy.end)
    deferred = brought = ZERO
    for key in set(billed) | set(earned_before) | set(earned_by_end):
        deferred += max(ZERO, billed[key] - earned_by_end[key])
        open_ = max(ZERO, billed_before[key] - earned_before[key])
        brought += max(ZERO, min(open_, earned_by_end[key] - earned_before[key]))
    return invoiced, deferred, brought


def budget_report(ctx: Context, fy: FinancialYear) -> BudgetReport:
    """Budget, actual to date, variance and forecast per line for ``fy`` (§9; the module notes say how).

    Income recognition is billing.reports.ledger.earned_income and pricing.accrual.recognised; pay is
    billing.reports.establishment_cost.pay_lines; funding budgets are prorated by budget_parts.
    """
    as_of = min(ctx.today, fy.end)
    elapsed = days_inclusive(fy.start, as_of) if as_of >= fy.start else 0
    months = fy_months(fy)
    budgeted = budget_lines(ctx, fy)
    rows: dict[str, BudgetRow] = {
        ln.line: BudgetRow(ln.line, ln.kind, ln.source, ln.amount, fte=ln.fte,
                           basis="allocation" if ln.kind == "income" and ln.source in (COUNCIL, SCHOOLS_FORUM)
                           else "actual", period=line_period(ln))
        for ln in budgeted
    }

    def target(name: str, kind: str, source: str) -> BudgetRow:
        if name not in rows:
            rows[name] = BudgetRow(name, kind, source, None, basis="unbudgeted")
        return rows[name]

    def add(row: BudgetRow, month: Month, amount: Decimal, counted: Decimal) -> None:
        row.monthly[month] = row.monthly.get(month, ZERO) + amount
        row.actual += counted

    contracted: dict[str, Decimal] = defaultdict(lambda: ZERO)
    lines = income_lines(ctx, ctx.today)
    earned = earned_income(ctx, ctx.today, lines)
    for item in earned:
        rec = Recognition.of(item, fy)
        to_date = rec.months(as_of)
        rest = rec.in_year - (rec.through(as_of) if as_of >= fy.start else ZERO)
        if not (to_date or rest):
            continue
        ln = _income_line(INCOME_KINDS.get(item.charge_kind or "", "other"), budgeted)
        if to_date:
            row = rows[ln.line] if ln else target(UNBUDGETED_INCOME, "income", TRADED)
            for month, amount in to_date.items():
                add(row, month, amount, amount)
        if rest:
            contracted[ln.line if ln else UNBUDGETED_INCOME] += rest
            if ln is None:
                target(UNBUDGETED_INCOME, "income", TRADED)
    invoiced, deferred, brought = deferral(lines, earned, fy)

    establishment = [p for p in posts(ctx) if in_force(p, fy)]
    delivered = [w for w in work_done(ctx, as_of) if w.day in fy]
    direct = to_pence(sum((w.cost for w in delivered), Decimal(0)))
    if establishment:
        _add_pay(ctx, establishment, fy, as_of, budgeted, target, add)
    else:
        exact: dict[str, dict[Month, Decimal]] = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
        for w in delivered:
            ln = _staff_line(w.staff_name, w.role, budgeted)
            row = rows[ln.line] if ln else target(UNALLOCATED_STAFF, "cost", COUNCIL)
            exact[row.line][(w.day.year, w.day.month)] += w.cost
        for name, by_month in exact.items():
            for month, amount in by_month.items():
                fixed = to_pence(amount)
                add(rows[name], month, fixed, fixed)
    if as_of >= fy.start:
        for cost in costs_between(ctx, fy.start, as_of):
            ln = _cost_line(cost.description, cost.source, budgeted)
            row = rows[ln.line] if ln else target(UNALLOCATED_OTHER, "cost", cost.source)
            add(row, (cost.incurred_on.year, cost.incurred_on.month), cost.amount, cost.amount)

    parts = budget_parts(ctx, fy, as_of)
    funded = [s for s in (COUNCIL, SCHOOLS_FORUM) if any(p.source == s for p in parts)]
    for source in funded:
        if not any(r.kind == "income" and r.source == source for r in rows.values()):
            # Money a funder puts in with no income line to take it: its funding budgets, on a line of its own.
            row = target(f"Funding: {source}", "income", source)
            row.basis = "funding budget"
            for p in parts:
                if p.source == source and as_of >= fy.start:
                    first, last = max(p.starts_on, fy.start), min(p.ends_on, fy.end)
                    for month, amount in Recognition.over(p.amount, first, last, fy).months(as_of).items():
                        add(row, month, amount, ZERO)
                    row.actual += p.to_date

    budget_months: dict[str, dict[Month, Decimal]] = {k: dict.fromkeys(months, ZERO) for k in ("income", "cost")}
    actual_months: dict[str, dict[Month, Decimal]] = {k: dict.fromkeys(months, ZERO) for k in ("income", "cost")}
    for row in rows.values():
        first, last = row.period or (fy.start, fy.end)
        if row.budget is not None:
            for month, part in split_by_month(row.budget, first, last).items():
                budget_months[row.kind][month] += part
            row.budget_to_date = Recognition.over(row.budget, first, last, fy).through(as_of)
        if row.basis == "allocation":
            assert row.budget is not None
            even = Recognition.over(row.budget, first, last, fy)
            row.monthly = even.months(as_of)
            row.actual = even.through(as_of)
        if row.kind == "cost":
            row.forecast = row.committed + straight_line(row.actual - row.pay, elapsed, fy.days)
        for month, amount in row.monthly.items():
            actual_months[row.kind][month] += amount

    ordered = sorted(rows.values(), key=lambda r: (r.kind != "income", _source_order(r.source),
                                                   r.budget is None, _line_order(budgeted, r.line)))
    _forecast_income(ordered, parts, dict(contracted))
    return BudgetReport(fy, as_of, elapsed, ordered, invoiced, deferred, brought, budget_months, actual_months,
                        "establishment" if establishment else "sessions", direct, dict(contracted))


def _forecast_income(rows: list[BudgetRow], parts: list[BudgetPart], contracted: dict[str, Decimal]) -> None:
    """Each income line's year-end forecast, as the forecast report makes it (the module notes say how)."""
    placed: set[str] = set()
    for row in rows:
        if row.kind != "income":
            continue
        mine = [p for p in parts if p.source == row.source and row.source in (COUNCIL, SCHOOLS_FORUM)]
        if mine:
            row.forecast = ZERO if row.source in placed else sum((p.amount for p in mine), ZERO)
            placed.add(row.source)
        elif row.basis == "allocation":
            row.forecast = row.budget or ZERO
        else:
            row.forecast = row.actual + contracted.get(row.line, ZERO)


def _add_pay(ctx: Context, establishment: list[Post], fy: FinancialYear, as_of: date, budgeted: list[BudgetLine],
             target: Callable[[str, str, str], BudgetRow],
             add: Callable[[BudgetRow, Month, Decimal, Decimal], None]) -> None:
    """Each post's pay per funding source onto its cost line (or one named after it): to date and the whole year."""
    rows: dict[tuple[int, str], BudgetRow] = {}
    several = {p.id for p in establishment if len({f.source for f in p.funding}) > 1}

    def row_for(post_id: int, title: str, source: str) -> BudgetRow:
        if (post_id, source) not in rows:
            ln = _post_line(title, source, budgeted)
            if ln is not None:
                rows[post_id, source] = target(ln.line, ln.kind, ln.source)
            else:
                rows[post_id, source] = target(f"{title} ({source})" if post_id in several else title, "cost", source)
        return rows[post_id, source]

    if as_of >= fy.start:
        for pay in pay_lines(ctx, fy.start, as_of, only=establishment):
            row = row_for(pay.post_id, pay.post, pay.source)
            add(row, pay.month, pay.amount, pay.amount)
            row.pay += pay.amount
    for pay in pay_lines(ctx, fy.start, fy.end, only=establishment):
        row_for(pay.post_id, pay.post, pay.source).committed += pay.amount


def _line_order(lines: list[BudgetLine], name: str) -> int:
    return next((i for i, ln in enumerate(lines) if ln.line == name), len(lines))
