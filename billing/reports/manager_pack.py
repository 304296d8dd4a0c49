"""The manager's pack (issue 19): does the service pay for itself? A landscape PDF and its headlines.

Page 1 is one page of headline figures, each with the period it covers; then the charts
(income against cost by month, funding source balances, full cost per case in bands);
then the tables (funding sources, forecast, budget lines, utilisation, per-case costs).
The headline CSV carries exactly the figures printed on page 1, as the same strings.

Figures and where they come from:

- Income, cost and the net variance: the budget report for the financial year to the
  as-of date (billing.reports.budget: income recognised by the days of service, cost
  from the establishment's pay where posts are recorded, non-staff costs). Variance =
  (income actual − income budget to date) − (cost actual − cost budget to date), per
  funding source and in all; more income or less cost is favourable.
- Cost recovery = income from schools (the traded income actual) ÷ cost, one decimal
  place (pricing.establishment.percent): how much of what the service costs its
  customers pay; council and schools forum / high-needs block contributions fund the rest.
- Cases open on the as-of date (referred by then and not closed by then) and cases
  closed in the financial year to the as-of date.
- Average full cost per case: the per-case report (billing.reports.case_costs) for the
  academic year starting in the financial year, to the as-of date, beside the
  service's £4,000–£4,500 a case at the day rate.
- Utilisation: hours delivered ÷ delivery capacity over the financial year to date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.context import Context
from billing.models import Case
from billing.reports.budget import BudgetReport, budget_report, fy_months
from billing.reports.case_costs import BENCHMARK_HIGH, BENCHMARK_LOW, CaseCostReport, benchmark_verdict, case_costs
from invoices.formats import doc_date
from invoices.report_pdf import (
    BarChart,
    Headline,
    Headlines,
    Histogram,
    PageBreak,
    ReportNote,
    ReportSection,
    ReportTable,
    render_report,
)
from pricing.calendars import AcademicYear, FinancialYear, days_inclusive
from pricing.establishment import percent, variance_label
from pricing.money import as_pounds

HEADLINE_COLUMNS = ("figure", "value", "detail", "period")
HOW = """
Income is recognised by the days of service, not by invoice; council and schools forum / high-needs block
contributions are counted evenly by day. Cost is the establishment's pay for the days each post is filled
(where posts are recorded; else delivery hours x hourly cost) and the non-staff costs recorded. Variance =
(income actual - income budget to date) - (cost actual - cost budget to date), per funding source and in all,
the budget to date being each budget line spread evenly by day; more income or less cost is favourable. Cost
recovery = income from schools / cost. Cases open: referred by the as-of date and not closed by then; cases
closed: closed in the financial year to date. Full cost per case: the case's share, by delivered hours, of the
establishment's pay and the non-staff costs over the academic year to date (the rest falls on orders and on
capacity not sold), plus the non-staff costs recorded against it, beside the service's own figure of
4,000.00 to 4,500.00 a case at the day rate. Utilisation: hours delivered (deemed-delivered included) /
the delivery posts' capacity after leave and training allowances.
"""
_SHORT = {"council budget": "council", "schools forum / high-needs block": "schools forum / HNB",
          "traded income": "traded"}


@dataclass(frozen=True)
class HeadlineFigure:
    """One figure of page 1, exactly as printed there (and in the headline CSV)."""

    figure: str
    value: str
    detail: str
    period: str
    tone: str | None = None  # favourable | adverse

    def row(self) -> tuple[str, str, str, str]:
        return self.figure, self.value, self.detail, self.period

    def as_json(self) -> dict[str, object]:
        return dict(zip(HEADLINE_COLUMNS, self.row(), strict=True))


@dataclass(frozen=True)
class Periods:
    """The spans the pack's sections cover, as they are printed."""

    fy: FinancialYear
    as_of: date  # the last day counted: the as-of date, or the year's end when that is earlier
    year: AcademicYear  # the academic year starting in the financial year, for the per-case figures

    @property
    def fy_to_date(self) -> str:
        if self.as_of < self.fy.start:
            return f"{self.fy.name}: no days yet"
        days = days_inclusive(self.fy.start, self.as_of)
        return (f"{self.fy.name}: {doc_date(self.fy.start)} to {doc_date(self.as_of)} "
                f"({days} of {self.fy.days} days)")

    @property
    def cases(self) -> str:
        last = min(self.year.end, self.as_of)
        if last < self.year.start:
            return f"academic year {self.year.name}: no days yet"
        return f"academic year {self.year.name}: {doc_date(self.year.start)} to {doc_date(last)}"

    @property
    def on(self) -> str:
        return f"on {doc_date(self.as_of)}"


def _pct(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value}%"


def _variance(figure: str, variance: Decimal, period: str, detail: str = "") -> HeadlineFigure:
    """A variance as its size with its direction in words: favourable, adverse or on budget."""
    label = variance_label("income", variance)
    return HeadlineFigure(figure, as_pounds(abs(variance)), f"{label}{detail}", period,
                          None if label == "on budget" else label)


def source_variance(report: BudgetReport, source: str | None = None) -> Decimal:
    """(income actual − budget to date) − (cost actual − budget to date): positive is favourable."""
    inc, cost = report.totals("income", source), report.totals("cost", source)
    return (inc["actual"] - inc["budget_to_date"]) - (cost["actual"] - cost["budget_to_date"])


def _sources(report: BudgetReport) -> list[str]:
    return [s for s in report.sources if any(r.source == s for r in report.rows)]


def case_counts(ctx: Context, fy: FinancialYear, as_of: date) -> tuple[int, int]:
    """(cases open on ``as_of``: referred by then and not closed by then, cases closed in ``fy`` up to ``as_of``)."""
    cases = list(ctx.session.execute(select(Case.referred_on, Case.closed_on)))
    open_ = sum(1 for referred, closed in cases if referred <= as_of and (closed is None or closed > as_of))
    closed = sum(1 for _, closed in cases if closed is not None and fy.start <= closed <= as_of)
    return open_, closed


def headline_figures(budget: BudgetReport, cases: CaseCostReport, open_closed: tuple[int, int],
                     periods: Periods, utilisation: Decimal | None) -> list[HeadlineFigure]:
    """Page 1's figures, in the order printed."""
    fy_period = periods.fy_to_date
    income, cost = budget.totals("income"), budget.totals("cost")
    traded = budget.totals("income", "traded income")["actual"]
    out = [
        HeadlineFigure("Cost recovery", _pct(percent(traded, cost["actual"])),
                       f"income from schools {as_pounds(traded)} / cost {as_pounds(cost['actual'])}", fy_period),
        HeadlineFigure("Income", as_pounds(income["actual"]),
                       f"from schools {as_pounds(traded)}; council and schools forum "
                       f"{as_pounds(income['actual'] - traded)}", fy_period),
        HeadlineFigure("Cost", as_pounds(cost["actual"]),
                       "pay from the establishment and non-staff costs" if budget.staff_basis == "establishment"
                       else "delivery hours x hourly cost and non-staff costs", fy_period),
        _variance("Net variance against budget", source_variance(budget), fy_period,
                  f": net {as_pounds(income['actual'] - cost['actual'])} against "
                  f"{as_pounds(income['budget_to_date'] - cost['budget_to_date'])} budgeted to date"),
    ]
    for source in _sources(budget):
        out.append(_variance(f"Variance: {source}", source_variance(budget, source), fy_period))
    open_, closed = open_closed
    out.append(HeadlineFigure("Cases open", str(open_), "referred and not yet closed", periods.on))
    out.append(HeadlineFigure("Cases closed", str(closed), "in the financial year to date", fy_period))
    if cases.cases:
        average = cases.average("full_cost")
        out.append(HeadlineFigure(
            "Average full cost per case", as_pounds(average),
            f"{benchmark_verdict(average)} the service's {as_pounds(BENCHMARK_LOW)} to {as_pounds(BENCHMARK_HIGH)}"
            f" a case at the day rate ({len(cases.cases)} cases)", periods.cases))
    else:
        out.append(HeadlineFigure("Average full cost per case", "n/a", "no cases yet", periods.cases))
    out.append(HeadlineFigure("Utilisation", _pct(utilisation), "hours delivered / delivery capacity",
                              periods.cases if utilisation is not None else fy_period))
    return out


def _m(value: Decimal | None) -> str:
    return "" if value is None else as_pounds(value)


def _charts(budget: BudgetReport, cases: CaseCostReport, periods: Periods) -> list[ReportSection]:
    months = fy_months(budget.fy)
    labels = [f"{date(y, m, 1):%b %Y}" for y, m in months]
    sections: list[ReportSection] = [
        BarChart(f"Income and cost by month, {periods.fy_to_date}", labels,
                 [("Income", [budget.actual_by_month["income"][m] for m in months]),
                  ("Cost", [budget.actual_by_month["cost"][m] for m in months])]),
    ]
    sources = _sources(budget)
    if sources:
        sections.append(BarChart(
            f"Variance against budget by funding source, {periods.fy_to_date}",
            [_SHORT.get(s, s) for s in sources], [("Variance (favourable above zero)",
                                                   [source_variance(budget, s) for s in sources])],
            value_labels=True))
    if cases.cases:
        sections.append(Histogram.of(
            f"Full cost per case, {periods.cases}", [c.full_cost for c in cases.cases],
            x_label=f"Full cost of a case ({len(cases.cases)} cases; a band holds its lower figure)"))
    else:
        sections.append(ReportNote(f"No cases in {periods.cases}.", f"Full cost per case, {periods.cases}"))
    return sections


def _budget_lines(budget: BudgetReport, periods: Periods) -> ReportTable:
    rows = [(r.line, r.kind, _SHORT.get(r.source, r.source), _m(r.budget), _m(r.budget_to_date), _m(r.actual),
             _m(r.variance), "" if r.variance is None else variance_label(r.kind, r.variance), _m(r.forecast))
            for r in budget.rows]
    return ReportTable(f"Budget lines, {periods.fy_to_date}",
                       ("Line", "Kind", "Funding source", "Budget", "Budget to date", "Actual to date", "Variance",
                        "", "Forecast"), rows, align=("L", "L", "L", "R", "R", "R", "R", "L", "R"))


def _per_case(cases: CaseCostReport, periods: Periods) -> ReportTable:
    rows = [(c.ref, c.school, f"{c.hours:,.2f}", as_pounds(c.cost), as_pounds(c.full_cost),
             as_pounds(c.day_rate_value), as_pounds(c.income), as_pounds(c.net_full_cost)) for c in cases.cases]
    t = cases.total
    rows.append((f"Total ({len(cases.cases)})", "", f"{t('hours'):,.2f}", as_pounds(t("cost")),
                 as_pounds(t("full_cost")), as_pounds(t("day_rate_value")), as_pounds(t("income")),
                 as_pounds(t("net_full_cost"))))
    return ReportTable(f"Cost per case, {periods.cases}",
                       ("Case", "School", "Hours", "Direct cost", "Full cost", "Day-rate value", "Income",
                        "Net on full cost"), rows, align=("L", "L", *("R",) * 6), total_row=True)


def manager_pack(ctx: Context, fy: FinancialYear) -> tuple[bytes, list[tuple[str, str, str, str]]]:
    """The manager's pack for ``fy`` as of ``ctx.today``: the PDF and the rows of its headline CSV
    (figure, value, detail, period), the same strings as page 1 prints."""
    budget = budget_report(ctx, fy)
    as_of = budget.as_of
    periods = Periods(fy, as_of, AcademicYear(fy.start_year))
    cases = case_costs(ctx, periods.year)
    utilisation = cases.full.utilisation if cases.full is not None else None
    figures = headline_figures(budget, cases, case_counts(ctx, fy, as_of), periods, utilisation)
    sections: list[ReportSection] = [
        Headlines("Headline figures", [Headline(f.figure, f.value, f"{f.detail}" + (
            "" if f.period == periods.fy_to_date else f"; {f.period}"), f.tone) for f in figures],
                  period=f"Unless stated, {periods.fy_to_date}."),
        PageBreak(),
        *_charts(budget, cases, periods),
        _budget_lines(budget, periods),
        _per_case(cases, periods),
        ReportNote(" ".join(HOW.split()), "How the figures are made"),
    ]
    pdf = render_report(f"Manager's pack {fy.name}", "Inclusion traded services: does the service pay for itself?",
                        sections, as_of=ctx.today, landscape=True)
    return pdf, [f.row() for f in figures]

