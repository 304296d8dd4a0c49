"""Demo phase: the manager's budget for two financial years, non-staff costs through the year, and the pack.

Budget lines follow the shape of the service's own budget papers (Walsall's Appendix 4):
each post with its FTE and 12-month cost with on-costs under its funder, non-staff heads,
and income by funding source. The staff lines are the establishment's cost for the
year at full strength, rounded to £100 as a paper rounds them: a post that starts or ends
in the year is budgeted for its days only (the line carries that period, so its budget to
date is spread over the post's days, not the year's), and a vacancy is a saving against
the line, not a gap in it. The funders' income lines are what their funding budgets give the year (the 17-month
one-off allocation prorated by days), and the traded income target is what balances the
budget: what schools must buy to pay for the posts and heads charged to traded income.
ALL FIGURES ARE ILLUSTRATIVE.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from billing.budgets import COUNCIL, SCHOOLS_FORUM, add_cost, set_budget_line
from billing.context import Context
from billing.db import transaction
from billing.establishment import funding_budgets
from billing.reports.budget import budget_report
from billing.reports.budget_pack import budget_pack
from billing.reports.csv_export import csv_text
from billing.reports.establishment_cost import funding_weights, posts
from billing.reports.manager_pack import HEADLINE_COLUMNS, manager_pack
from pricing.calendars import FinancialYear
from pricing.clock import FixedClock
from pricing.establishment import pay, prorate_budget, split_by_funding, with_on_costs
from pricing.money import ZERO, to_pence

if TYPE_CHECKING:
    from billing.demo import DemoState

# The manager's pack is read as of the end of January: ten months of the year gone, two to
# forecast (a vacancy, a fixed-term post about to end, the spring term's income to come).
PACK_AS_OF = date(2026, 1, 31)
SUMMARY_FIGURES = ("Cost recovery", "Net variance against budget", "Average full cost per case", "Utilisation")

# Non-staff heads: (line, source, amount for the first year); the next year's papers add inflation.
NON_STAFF = [
    ("Travel", "council budget", "4200.00"),
    ("Supplies, ICT and printing", "council budget", "3100.00"),
    ("Training venues and materials", "traded income", "6500.00"),
]
UPLIFT = Decimal("1.03")  # next year's papers: inflation on non-staff heads
ROUND_TO = Decimal("100")

# (month, day), amount, source, description: claims and invoices as they come in.
COSTS = [
    ((10, 14), "240.00", "traded income", "Venue hire, Team Teach course"),
    ((11, 20), "186.40", "traded income", "Training materials, CPD twilight sessions"),
    ((1, 15), "412.80", "council budget", "Mileage, autumn term home and school visits"),
    ((2, 10), "95.00", "council budget", "Printing of support plans"),
]
# Venues and materials for the training the service sells, as each course runs.
TRAINING = {(5, 14): "612.00", (6, 18): "540.00", (7, 9): "480.00", (9, 24): "655.00", (11, 5): "720.00",
            (12, 3): "498.00", (12, 10): "410.00", (1, 21): "695.00", (2, 25): "560.00", (3, 18): "610.00"}
# Monthly mileage claims and quarterly ICT and printing, from April of the first year.
MILEAGE = ["338.60", "351.20", "296.40", "274.80", "118.50", "362.90", "371.40", "344.10", "289.70", "0", "356.30",
           "348.80"]
SUPPLIES = {(6, 30): "702.15", (9, 30): "811.40", (12, 19): "768.25", (3, 27): "655.90"}


def _rounded(amount: Decimal) -> Decimal:
    return (amount / ROUND_TO).quantize(Decimal(1)) * ROUND_TO


@dataclass(frozen=True)
class StaffLine:
    """One budget line for a post (or a funder's part of a shared post) in a financial year."""

    line: str
    source: str
    amount: Decimal
    fte: Decimal
    starts_on: date | None  # the post's first day, when it starts inside the year
    ends_on: date | None  # the post's last day, when it ends inside the year


def staff_lines(ctx: Context, fy: FinancialYear) -> list[StaffLine]:
    """A line for each post in force in ``fy`` at full strength, per funder, over the post's days in the year.

    A post funded by one source is one line named after it; a shared post is a line per
    source, "Title (source)", each with its share of the FTE, so the budget report finds
    each source's pay on its own line.
    """
    out: list[StaffLine] = []
    for post in posts(ctx):
        cost = pay(with_on_costs(post.annual_cost, post.on_cost_percent), post.starts_on, post.ends_on,
                   fy.start, fy.end)
        if not cost:
            continue
        first = post.starts_on if post.starts_on > fy.start else None
        last = post.ends_on if post.ends_on is not None and post.ends_on < fy.end else None
        weights = funding_weights(post)
        total = sum(weights.values(), ZERO)
        for source, part in split_by_funding(cost, weights).items():
            name = post.title if len(weights) == 1 else f"{post.title} ({source})"
            out.append(StaffLine(name, source, _rounded(part), post.fte * weights[source] / total, first, last))
    return out


def funders_income(ctx: Context, fy: FinancialYear) -> dict[str, Decimal]:
    """What the council and the schools forum give ``fy``: each funding budget's part in it, by days."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for budget in funding_budgets(ctx):
        for part in prorate_budget(budget.amount, budget.starts_on, budget.ends_on):
            if part.fy == fy:
                out[budget.source] += part.amount
    return dict(out)


def run(state: DemoState) -> None:
    first = FinancialYear(state.year.start_year)
    second = first.next()
    with transaction(state.engine) as session:
        ctx = Context(session=session, clock=FixedClock(date(first.start_year, 3, 1)), actor="demo")
        for n, fy in enumerate((first, second)):
            funders = funders_income(ctx, fy)
            costs_budget = staff_lines(ctx, fy)
            non_staff = [(line, source, _rounded(Decimal(amount) * UPLIFT ** n)) for line, source, amount in NON_STAFF]
            traded = (sum((c.amount for c in costs_budget), ZERO) + sum((c[2] for c in non_staff), ZERO)
                      - sum(funders.values(), ZERO))
            # Schools have bought from the service since its traded offer began with the 2025/26 academic
            # year: the first year's traded income is budgeted from 1 September, so it is not read as
            # five months short (the council and schools forum carried the team until then).
            trading_from = state.year.start if n == 0 else None
            set_budget_line(ctx, fy.name, "Traded income from schools", "income", "traded income", _rounded(traded),
                            starts_on=trading_from)
            set_budget_line(ctx, fy.name, "Schools forum / high-needs block contribution", "income", SCHOOLS_FORUM,
                            to_pence(funders.get(SCHOOLS_FORUM, ZERO)))
            set_budget_line(ctx, fy.name, "Council core budget", "income", COUNCIL,
                            to_pence(funders.get(COUNCIL, ZERO)))
            for staff in costs_budget:
                set_budget_line(ctx, fy.name, staff.line, "cost", staff.source, staff.amount, staff.fte,
                                starts_on=staff.starts_on, ends_on=staff.ends_on)
            for line, source, cost in non_staff:
                set_budget_line(ctx, fy.name, line, "cost", source, cost)

    def day(month: int, of_month: int) -> date:
        return date(first.start_year + (month < 4), month, of_month)

    costs = [(day(*on), amount, source, description) for on, amount, source, description in COSTS]
    for n, claim in enumerate(MILEAGE):
        month = (n + 3) % 12 + 1
        if Decimal(claim):
            costs.append((day(month, 28), claim, "council budget", f"Travel: mileage claims, {date(2000, month, 1):%B}"))
    costs += [(day(*on), amount, "traded income", "Venue hire and course materials, training")
              for on, amount in TRAINING.items()]
    costs += [(day(*on), amount, "council budget", "Supplies, ICT and printing: quarter's invoices")
              for on, amount in SUPPLIES.items()]
    for on, amount, source, description in sorted(costs):
        with transaction(state.engine) as session:
            ctx = Context(session=session, clock=FixedClock(on), actor="demo")
            add_cost(ctx, on, amount, source, description)
    with transaction(state.engine, read_only=True) as session:
        ctx = Context(session=session, clock=FixedClock(PACK_AS_OF), actor="demo")
        report = budget_report(ctx, first)
        pack, headlines = manager_pack(ctx, first)
    folder = state.out_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    name = first.name.replace("/", "-")
    written = {folder / f"budget-{name}.pdf": budget_pack(report), folder / f"manager-pack-{name}.pdf": pack}
    for path, pdf in written.items():
        path.write_bytes(pdf)
        state.pdfs.append(path)
    (folder / f"manager-pack-{name}-headlines.csv").write_text(
        csv_text(HEADLINE_COLUMNS, headlines), encoding="utf-8", newline="")
    totals = report.totals("income"), report.totals("cost")
    state.summary["budget"] = {"fy": first.name, "as_of": str(PACK_AS_OF), "income_actual": str(totals[0]["actual"]),
                               "cost_actual": str(totals[1]["actual"]), "lines": len(report.rows)}
    state.summary["manager_pack"] = {row[0]: row[1] for row in headlines if row[0] in SUMMARY_FIGURES}
