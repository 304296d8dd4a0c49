"""Forecast to the end of the financial year, line by line beside the budget (issue 19, §9).

Each line of the budget report (the same lines, the same mapping of income and cost
onto them, the same forecast) is forecast as to date + the rest of the year:

- traded income: recognised to date by the days of service, plus what is already
  on the ledger for the rest of the year ("invoiced and scheduled": subscriptions'
  fees by their days, charges raised, on their days in the year). Nothing is
  assumed of income not yet contracted.
- council and schools forum / high-needs block income: the source's funding
  budgets' parts in the year (prorated by calendar days), on the source's first
  income line (its other income lines then forecast nothing; a source with no
  income line gets one of its own); a source with no funding budget in the year
  gets its budget line, received evenly by day (basis "allocation").
- staff cost: with the establishment recorded, the pay committed for the whole year
  by the assignments recorded (a vacancy stays vacant, a starter from the day they
  start); with none, the delivery hours' cost at its run-rate.
- other costs: to date plus the run-rate for the rest of the year (to date ÷ days
  elapsed × days in the year).

Variance = forecast − the year's budget (an unbudgeted line against 0), labelled as a
finance report words it: more income or less cost is favourable, less income or more
cost adverse. Net = income − cost, its variance labelled as income.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.budgets import COUNCIL, SCHOOLS_FORUM
from billing.context import Context
from billing.reports.budget import BudgetPart, BudgetReport, budget_parts, budget_report
from pricing.calendars import FinancialYear
from pricing.establishment import variance_label
from pricing.money import ZERO


@dataclass(frozen=True)
class ForecastLine:
    line: str
    kind: str  # income | cost
    source: str
    budget: Decimal | None
    to_date: Decimal
    rest: Decimal  # the rest of the year
    basis: str

    @property
    def forecast(self) -> Decimal:
        return self.to_date + self.rest

    @property
    def variance(self) -> Decimal:
        return self.forecast - (self.budget or ZERO)

    @property
    def label(self) -> str:
        return variance_label(self.kind, self.variance)

    def as_json(self) -> dict[str, object]:
        return {"line": self.line, "kind": self.kind, "source": self.source, "budget": self.budget,
                "to_date": self.to_date, "rest_of_year": self.rest, "forecast": self.forecast,
                "variance": self.variance, "label": self.label, "basis": self.basis}


@dataclass(frozen=True)
class ForecastReport:
    fy: FinancialYear
    as_of: date
    days_elapsed: int
    staff_basis: str
    lines: list[ForecastLine]
    budgets: list[BudgetPart]

    def totals(self, kind: str) -> dict[str, Decimal]:
        rows = [ln for ln in self.lines if ln.kind == kind]
        return {"budget": sum((ln.budget or ZERO for ln in rows), ZERO),
                "to_date": sum((ln.to_date for ln in rows), ZERO),
                "rest_of_year": sum((ln.rest for ln in rows), ZERO),
                "forecast": sum((ln.forecast for ln in rows), ZERO),
                "variance": sum((ln.variance for ln in rows), ZERO)}

    def net(self) -> dict[str, Decimal]:
        inc, cost = self.totals("income"), self.totals("cost")
        return {k: inc[k] - cost[k] for k in inc}

    def as_json(self) -> dict[str, object]:
        inc, cost, net = self.totals("income"), self.totals("cost"), self.net()
        return {"fy": self.fy.name, "as_of": self.as_of, "days_elapsed": self.days_elapsed,
                "days_in_year": self.fy.days, "staff_basis": self.staff_basis,
                "lines": [ln.as_json() for ln in self.lines],
                "totals": {"income": {**inc, "label": variance_label("income", inc["variance"])},
                           "cost": {**cost, "label": variance_label("cost", cost["variance"])},
                           "net": {**net, "label": variance_label("income", net["variance"])}},
                "funding_budgets": [p.as_json() for p in self.budgets],
                "method": __doc__.split("\n\n", 1)[1].strip() if __doc__ else ""}


def forecast_report(ctx: Context, fy: FinancialYear, budget: BudgetReport | None = None) -> ForecastReport:
    """Every budget line of ``fy`` forecast to the year end beside its budget, with the variance labelled.

    ``budget``: the year's budget report when the caller has made it already (the pack), not made twice.
    """
    report: BudgetReport = budget if budget is not None else budget_report(ctx, fy)
    parts = budget_parts(ctx, fy, report.as_of)
    funded = {s: [p for p in parts if p.source == s] for s in (COUNCIL, SCHOOLS_FORUM) if any(
        p.source == s for p in parts)}
    placed: set[str] = set()
    out: list[ForecastLine] = []
    for row in report.rows:
        if row.kind == "income" and row.source in funded:
            if row.source in placed:
                out.append(ForecastLine(row.line, "income", row.source, row.budget, ZERO, ZERO,
                                        "funding budget (on the source's first line)"))
                continue
            placed.add(row.source)
            out.append(_funding_line(row.line, row.source, row.budget, funded[row.source]))
        elif row.kind == "income":
            # The budget report forecasts income this report's way; the rest of the year is what it adds.
            basis = "allocation" if row.basis == "allocation" else "recognised + invoiced and scheduled"
            out.append(ForecastLine(row.line, "income", row.source, row.budget, row.actual,
                                    row.forecast - row.actual, basis))
        else:
            basis = "committed pay + run-rate" if row.pay or row.committed else "run-rate"
            out.append(ForecastLine(row.line, "cost", row.source, row.budget, row.actual,
                                    row.forecast - row.actual, basis))
    return ForecastReport(fy, report.as_of, report.days_elapsed, report.staff_basis, out, parts)


def _funding_line(name: str, source: str, budget: Decimal | None, parts: list[BudgetPart]) -> ForecastLine:
    to_date = sum((p.to_date for p in parts), ZERO)
    return ForecastLine(name, "income", source, budget, to_date, sum((p.amount for p in parts), ZERO) - to_date,
                        "funding budget")
