"""Demo phase: the manager's budget for two financial years, a few non-staff costs, and the budget pack.

Budget lines follow the shape of the service's own budget papers: posts with FTE
and full annual cost (salary plus on-costs), non-staff heads, and income by
funding source. ALL FIGURES ARE ILLUSTRATIVE.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from billing.budgets import add_cost, set_budget_line
from billing.context import Context
from billing.db import transaction
from billing.reports.budget import budget_report
from billing.reports.budget_pack import budget_pack
from pricing.calendars import FinancialYear
from pricing.clock import FixedClock
from pricing.money import to_pence

if TYPE_CHECKING:
    from billing.demo import DemoState

# (line, kind, source, amount for the first year, FTE)
LINES = [
    ("Service manager", "cost", "council budget", "72500.00", "1"),
    ("Senior inclusion worker", "cost", "schools forum / high-needs block", "58900.00", "1"),
    ("Inclusion workers", "cost", "traded income", "141600.00", "3"),
    ("CAMHS clinician", "cost", "schools forum / high-needs block", "29800.00", "0.4"),
    ("Travel", "cost", "council budget", "4200.00", None),
    ("Supplies, ICT and printing", "cost", "council budget", "3100.00", None),
    ("Training venues and materials", "cost", "traded income", "6500.00", None),
    ("Traded income from schools", "income", "traded income", "175000.00", None),
    ("Schools forum / high-needs block contribution", "income", "schools forum / high-needs block",
     "88700.00", None),
    ("Council core budget", "income", "council budget", "52900.00", None),
]
UPLIFT = Decimal("1.03")  # next year's papers: pay award and inflation

# (day offset in the year: month, day), amount, source, description
COSTS = [
    ((10, 14), "240.00", "traded income", "Venue hire, Team Teach course"),
    ((11, 20), "186.40", "traded income", "Training materials, CPD twilight sessions"),
    ((1, 15), "412.80", "council budget", "Mileage, autumn term home and school visits"),
    ((2, 10), "95.00", "council budget", "Printing of support plans"),
]


def run(state: DemoState) -> None:
    first = FinancialYear(state.year.start_year)
    second = first.next()
    with transaction(state.engine) as session:
        ctx = Context(session=session, clock=FixedClock(date(first.start_year, 3, 1)), actor="demo")
        for fy, factor in ((first, Decimal(1)), (second, UPLIFT)):
            for line, kind, source, amount, fte in LINES:
                set_budget_line(ctx, fy.name, line, kind, source, to_pence(Decimal(amount) * factor), fte)
    for (month, day), amount, source, description in COSTS:
        on = date(first.start_year + (month < 4), month, day)
        with transaction(state.engine) as session:
            ctx = Context(session=session, clock=FixedClock(on), actor="demo")
            add_cost(ctx, on, amount, source, description)
    with transaction(state.engine) as session:
        ctx = Context(session=session, clock=FixedClock(first.end), actor="demo")
        report = budget_report(ctx, first)
    out = state.out_dir / "reports" / f"budget-{first.name.replace('/', '-')}.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(budget_pack(report))
    state.pdfs.append(out)
    totals = report.totals("income"), report.totals("cost")
    state.summary["budget"] = {"fy": first.name, "income_actual": str(totals[0]["actual"]),
                               "cost_actual": str(totals[1]["actual"]), "lines": len(report.rows)}
