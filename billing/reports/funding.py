"""Funding sources for one financial year: each source's budget, what it paid for, and the balance (issue 19, §9).

Budget: a source's funding budgets (money it puts in for a period, which need not
be a financial year) prorated into financial years by calendar days (the days are
stated: a 17-month budget from 1 April 2019 to 31 August 2020 is 366 of its 519
days in FY2019/20). A council or schools forum / high-needs block source with no
funding budget touching the year takes the year's income budget lines of that
source instead. Traded income's income budget lines are a forecast of what schools
will pay, not money put in: traded income counts what schools pay as income, never
as budget. Budget to date: each budget's part in the year spread evenly over its
days in the year, up to the as-of date.

Spend: the establishment's pay charged to the source through each post's funding
split, plus the non-staff costs recorded against the source. Income: for traded
income, the income from schools recognised by the days of service (as the budget
report counts it); the other sources have none.

Balance = budget for the year + income − spend: to date, what is left of the year's
budget; forecast, the year-end underspend (positive) or overspend (negative), where
the forecast spend is the pay committed for the whole year by the assignments
recorded plus the non-staff costs to date at their run-rate (to date ÷ days elapsed
× days in the year), and the forecast income adds the income already on the ledger
for the rest of the year (invoiced and scheduled: subscriptions by their days,
charges raised).

This differs from the budget report's variance by funding source, which sets each
source's income and cost budget lines against their actuals: here a source's own
money (its funding budgets) is set against what was charged to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.budgets import COUNCIL, SCHOOLS_FORUM, SOURCES, TRADED, budget_lines, costs_between, line_period
from billing.context import Context
from billing.reports.budget import BudgetPart, Recognition, budget_parts
from billing.reports.establishment_cost import pay_by, pay_lines
from billing.reports.ledger import earned_income
from pricing.calendars import FinancialYear, days_inclusive
from pricing.establishment import straight_line
from pricing.money import ZERO

# Sources whose income budget lines are money put in (transfers), standing in for a funding budget.
TRANSFERS = (COUNCIL, SCHOOLS_FORUM)


@dataclass(frozen=True)
class SourceFunding:
    source: str
    basis: str  # funding budget | budget lines | none
    budget: Decimal
    budget_to_date: Decimal
    parts: tuple[BudgetPart, ...]
    pay: Decimal
    other: Decimal  # non-staff costs
    income: Decimal
    pay_forecast: Decimal
    other_forecast: Decimal
    income_forecast: Decimal

    @property
    def spend(self) -> Decimal:
        return self.pay + self.other

    @property
    def spend_forecast(self) -> Decimal:
        return self.pay_forecast + self.other_forecast

    @property
    def balance(self) -> Decimal:
        return self.budget + self.income - self.spend

    @property
    def balance_forecast(self) -> Decimal:
        return self.budget + self.income_forecast - self.spend_forecast

    def as_json(self) -> dict[str, object]:
        return {"source": self.source, "basis": self.basis, "budget": self.budget,
                "budget_to_date": self.budget_to_date, "budgets": [p.as_json() for p in self.parts],
                "to_date": {"pay": self.pay, "non_staff": self.other, "spend": self.spend, "income": self.income,
                            "balance": self.balance},
                "forecast": {"pay": self.pay_forecast, "non_staff": self.other_forecast,
                             "spend": self.spend_forecast, "income": self.income_forecast,
                             "balance": self.balance_forecast}}


@dataclass(frozen=True)
class FundingReport:
    fy: FinancialYear
    as_of: date
    days_elapsed: int
    sources: list[SourceFunding]

    def total(self, name: str) -> Decimal:
        return sum((getattr(s, name) for s in self.sources), ZERO)

    def as_json(self) -> dict[str, object]:
        names = ("budget", "budget_to_date", "pay", "other", "spend", "income", "balance",
                 "pay_forecast", "other_forecast", "spend_forecast", "income_forecast", "balance_forecast")
        return {"fy": self.fy.name, "as_of": self.as_of, "days_elapsed": self.days_elapsed,
                "days_in_year": self.fy.days, "sources": [s.as_json() for s in self.sources],
                "totals": {n: self.total(n) for n in names},
                "method": __doc__.split("\n\n", 1)[1].strip() if __doc__ else ""}


def traded_income(ctx: Context, fy: FinancialYear, as_of: date) -> tuple[Decimal, Decimal]:
    """Income from schools in ``fy``: recognised up to ``as_of``, and on the ledger for the rest of the year."""
    to_date = rest = ZERO
    for item in earned_income(ctx, ctx.today):
        rec = Recognition.of(item, fy)
        done = rec.through(as_of) if as_of >= fy.start else ZERO
        to_date += done
        rest += rec.in_year - done
    return to_date, rest


def funding_report(ctx: Context, fy: FinancialYear) -> FundingReport:
    """Per funding source: budget for ``fy``, spend, income and balance, to date and forecast to year end."""
    as_of = min(ctx.today, fy.end)
    elapsed = days_inclusive(fy.start, as_of) if as_of >= fy.start else 0
    parts = budget_parts(ctx, fy, as_of)
    lines: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)  # (budget, to date) per line
    for ln in budget_lines(ctx, fy):
        if ln.kind == "income" and ln.source in TRANSFERS:
            first, last = line_period(ln)
            lines[ln.source].append(
                (ln.amount, Recognition.over(ln.amount, first, last, fy).through(as_of) if elapsed else ZERO))
    pay = pay_by(pay_lines(ctx, fy.start, as_of), "source") if elapsed else {}
    committed = pay_by(pay_lines(ctx, fy.start, fy.end), "source")
    other: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for cost in costs_between(ctx, fy.start, as_of) if elapsed else []:
        other[cost.source] += cost.amount
    income, contracted = traded_income(ctx, fy, as_of)
    seen = {p.source for p in parts} | {str(s) for s in committed} | set(other)
    out: list[SourceFunding] = []
    for source in [*SOURCES, *sorted(seen - set(SOURCES))]:
        mine = tuple(p for p in parts if p.source == source)
        if mine:
            basis, budget = "funding budget", sum((p.amount for p in mine), ZERO)
            to_date = sum((p.to_date for p in mine), ZERO)
        elif lines.get(source):
            basis, budget = "budget lines", sum((b for b, _ in lines[source]), ZERO)
            to_date = sum((t for _, t in lines[source]), ZERO)
        else:
            basis, budget, to_date = "none", ZERO, ZERO
        earned = income if source == TRADED else ZERO
        out.append(SourceFunding(
            source, basis, budget, to_date, mine, pay.get(source, ZERO), other[source], earned,
            committed.get(source, ZERO), straight_line(other[source], elapsed, fy.days),
            earned + (contracted if source == TRADED else ZERO)))
    return FundingReport(fy, as_of, elapsed, out)
