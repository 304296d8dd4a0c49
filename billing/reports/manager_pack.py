"""The manager's pack (issue 19): does the service pay for itself? A landscape PDF and its headlines.

Page 1 is one page of headline figures, each with the period it covers; then the charts
(income against cost by month, funding source balances, full cost per case in bands);
then the tables (funding sources, forecast, budget lines, utilisation, per-case costs).
The headline CSV carries exactly the figures printed on page 1, as the same strings, and
beside them each figure as a plain signed number (``amount``) and its direction;
:func:`how` (printed at the end of the pack) says how each figure is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.budgets import TRADED
from billing.context import Context
from billing.models import Case
from billing.reports.budget import BudgetReport, budget_report, fy_months
from billing.reports.case_costs import BENCHMARK_HIGH, BENCHMARK_LOW, CaseCostReport, benchmark_verdict, case_costs
from billing.reports.forecast import ForecastReport, forecast_report
from billing.reports.funding import FundingReport, SourceFunding, funding_report
from billing.reports.utilisation import UtilisationReport, utilisation_report
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
from pricing.money import ZERO, as_pounds

HEADLINE_COLUMNS = ("figure", "value", "detail", "period", "amount", "direction")
HeadlineRow = tuple[str, str, str, str, Decimal | int | None, str]


def how() -> str:
    """How each figure of the pack is made, in the manager's words (printed at the end of the pack)."""
    return " ".join(f"""
Income is recognised by the days of service, not by invoice; council and schools forum / high-needs block
contributions are counted evenly by day. Cost is the establishment's pay for the days each post is filled
(where posts are recorded; else delivery hours x hourly cost) and the non-staff costs recorded. Cost recovery =
income from schools / cost. Net variance against budget = (income actual - income budgeted to date) - (cost
actual - cost budgeted to date), each budget line spread evenly by day; the forecast net variance is the
year-end forecast of each line less its budget (traded income: recognised to date + invoiced and scheduled for
the rest of the year; staff: the pay committed by the posts filled; other costs at their run-rate). More income
or less cost is favourable. Variance by funding source: the same sum over the source's own income and cost
budget lines (traded income's are the income from schools and the posts and costs it pays for), so the three
add up to the net variance against budget. The funding sources table is different: each source's own money
(its funding budgets prorated by days, else its income budget lines) + its income - the pay charged to it
through the posts' funding splits and its non-staff costs; an underspend is favourable. Cases open: referred
by the as-of date and not closed by then; cases closed: closed in the financial year to date. Full cost per
case: the case's share, by delivered hours, of the establishment's pay and the non-staff costs over the
academic year to date (the rest falls on orders and on capacity not sold), plus the non-staff costs recorded
against it. Every hour delivered carries the same share (the cost per capacity hour), whoever delivered it, so
a case worked by staff dearer than that rate shows a full cost below its direct cost (hours x the person's
own hourly cost). The average on page 1 is over the cases closed by the as-of date with hours delivered (an
open case's cost is not yet complete), beside the service's own figure of {as_pounds(BENCHMARK_LOW)} to
{as_pounds(BENCHMARK_HIGH)} a case at the day rate. Utilisation: hours delivered (deemed-delivered included) by
the holders of delivery posts / their capacity after the leave and training allowances.
""".split())


@dataclass(frozen=True)
class HeadlineFigure:
    """One figure of page 1, exactly as printed there (and in the headline CSV)."""

    figure: str
    value: str
    detail: str
    period: str
    amount: Decimal | int | None = None  # a plain number: pounds, a percentage or a count; variances signed
    direction: str = ""  # favourable | adverse | on budget ("" for a figure that is no variance)

    @property
    def tone(self) -> str | None:
        return self.direction if self.direction in ("favourable", "adverse") else None

    def row(self) -> HeadlineRow:
        return self.figure, self.value, self.detail, self.period, self.amount, self.direction

    def as_json(self) -> dict[str, object]:
        return dict(zip(HEADLINE_COLUMNS, self.row(), strict=True))


@dataclass(frozen=True)
class Periods:
    """The spans the pack's sections cover, as they are printed."""

    fy: FinancialYear
    as_of: date  # the last day counted: the as-of date, or the year's end when that is earlier
    year: AcademicYear  # the academic year of the as-of day (or of the year's first day), for the per-case figures

    @property
    def fy_to_date(self) -> str:
        if self.as_of < self.fy.start:
            return f"{self.fy.name}: no days yet"
        days = days_inclusive(self.fy.start, self.as_of)
        return (f"{self.fy.name}: {doc_date(self.fy.start)} to {doc_date(self.as_of)} "
                f"({days} of {self.fy.days} days)")

    @property
    def fy_forecast(self) -> str:
        return (f"{self.fy.name}: {doc_date(self.fy.start)} to {doc_date(self.fy.end)}, forecast on "
                f"{doc_date(self.as_of)}")

    @property
    def cases(self) -> str:
        last = min(self.year.end, self.as_of)
        if last < self.year.start:
            return f"academic year {self.year.name}: no days yet"
        return f"academic year {self.year.name}: {doc_date(self.year.start)} to {doc_date(last)}"

    @property
    def on(self) -> str:
        return f"on {doc_date(self.as_of)}"


@dataclass(frozen=True)
class PackReports:
    """The reports the pack is assembled from, all for one financial year as of one day."""

    budget: BudgetReport
    forecast: ForecastReport
    funding: FundingReport
    utilisation: UtilisationReport | None  # over the per-case figures' days; None: none yet
    cases: CaseCostReport
    open_closed: tuple[int, int]


def _pct(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value}%"


def _m(value: Decimal | None) -> str:
    return "" if value is None else as_pounds(value)


def _hours(value: Decimal) -> str:
    return f"{value:,.2f}"


def _variance(figure: str, variance: Decimal, period: str, detail: str = "") -> HeadlineFigure:
    """A variance as its size, its direction in words (favourable, adverse or on budget) and a detail;
    its amount signed, negative adverse."""
    label = variance_label("income", variance)
    return HeadlineFigure(figure, as_pounds(abs(variance)), f"{label}{detail}", period, abs(variance) if
                          label == "on budget" else variance, label)


def net_variance(report: BudgetReport) -> Decimal:
    """(income actual − budget to date) − (cost actual − budget to date): positive is favourable."""
    inc, cost = report.totals("income"), report.totals("cost")
    return (inc["actual"] - inc["budget_to_date"]) - (cost["actual"] - cost["budget_to_date"])


def source_balance(source: SourceFunding) -> Decimal:
    """A funding source's own money to date (budget to date + its income) less its spend: an underspend is positive."""
    return source.budget_to_date + source.income - source.spend


def source_variances(report: BudgetReport) -> list[tuple[str, dict[str, Decimal], dict[str, Decimal], Decimal]]:
    """Per funding source with budget lines or actuals: its income and cost totals and its variance against its
    own lines, (income actual − budget to date) − (cost actual − budget to date); they add up to the net variance."""
    out = []
    for source in report.sources:
        if not any(r.source == source for r in report.rows):
            continue
        inc, cost = report.totals("income", source), report.totals("cost", source)
        out.append((source, inc, cost, (inc["actual"] - inc["budget_to_date"]) - (cost["actual"] - cost["budget_to_date"])))
    return out


def _shown(funding: FundingReport) -> list[SourceFunding]:
    """The sources with anything to show: a budget, spend or income."""
    return [s for s in funding.sources if s.budget or s.spend or s.income or s.spend_forecast or s.income_forecast]


def case_counts(ctx: Context, fy: FinancialYear, as_of: date) -> tuple[int, int]:
    """(cases open on ``as_of``: referred by then and not closed by then, cases closed in ``fy`` up to ``as_of``)."""
    cases = list(ctx.session.execute(select(Case.referred_on, Case.closed_on)))
    open_ = sum(1 for referred, closed in cases if referred <= as_of and (closed is None or closed > as_of))
    closed = sum(1 for _, closed in cases if closed is not None and fy.start <= closed <= as_of)
    return open_, closed


def headline_figures(reports: PackReports, periods: Periods) -> list[HeadlineFigure]:
    """Page 1's figures, in the order printed."""
    fy_period = periods.fy_to_date
    budget = reports.budget
    income, cost = budget.totals("income"), budget.totals("cost")
    traded = budget.totals("income", TRADED)["actual"]
    forecast_net = reports.forecast.net()
    recovery = percent(traded, cost["actual"])
    out = [
        HeadlineFigure("Cost recovery", _pct(recovery),
                       f"income from schools {as_pounds(traded)} / cost {as_pounds(cost['actual'])}", fy_period,
                       recovery),
        HeadlineFigure("Income", as_pounds(income["actual"]),
                       f"from schools {as_pounds(traded)}; council and schools forum "
                       f"{as_pounds(income['actual'] - traded)}", fy_period, income["actual"]),
        HeadlineFigure("Cost", as_pounds(cost["actual"]),
                       "the establishment's pay and non-staff costs" if budget.staff_basis == "establishment"
                       else "delivery hours x hourly cost and non-staff costs (no posts recorded)", fy_period,
                       cost["actual"]),
        _variance("Net variance against budget", net_variance(budget), fy_period,
                  f": net {as_pounds(income['actual'] - cost['actual'])} against "
                  f"{as_pounds(income['budget_to_date'] - cost['budget_to_date'])} budgeted to date"),
        _variance("Forecast net variance at year end", forecast_net["variance"], periods.fy_forecast,
                  f": net {as_pounds(forecast_net['forecast'])} forecast against {as_pounds(forecast_net['budget'])}"
                  " budgeted"),
    ]
    for source, inc, spent, variance in source_variances(budget):
        detail = (f": income {as_pounds(inc['actual'])} against {as_pounds(inc['budget_to_date'])}, cost "
                  f"{as_pounds(spent['actual'])} against {as_pounds(spent['budget_to_date'])} budgeted to date")
        out.append(_variance(f"Variance: {source}", variance, fy_period, detail))
    open_, closed = reports.open_closed
    out.append(HeadlineFigure("Cases open", str(open_), "referred and not yet closed", periods.on, open_))
    out.append(HeadlineFigure("Cases closed", str(closed), "in the financial year to date", fy_period, closed))
    cases = reports.cases
    average = cases.average_closed("full_cost")
    done = len(cases.complete)
    if average is not None:
        out.append(HeadlineFigure(
            "Average full cost per case", as_pounds(average),
            f"{benchmark_verdict(average)} the service's {as_pounds(BENCHMARK_LOW)} to {as_pounds(BENCHMARK_HIGH)}"
            f" a case at the day rate ({done} closed {'case' if done == 1 else 'cases'})", periods.cases, average))
    else:
        out.append(HeadlineFigure("Average full cost per case", "n/a", "no case closed with hours delivered yet",
                                  periods.cases))
    util = reports.utilisation
    out.append(HeadlineFigure(
        "Utilisation", _pct(util.utilisation if util else None),
        f"{_hours(util.delivered)} hours delivered / {_hours(util.capacity)} hours of capacity" if util
        else "no days of the year yet", periods.cases, util.utilisation if util else None))
    return out


def _charts(reports: PackReports, periods: Periods) -> list[ReportSection]:
    budget, cases = reports.budget, reports.cases
    months = fy_months(budget.fy)
    labels = [f"{date(y, m, 1):%b %Y}" for y, m in months]
    sections: list[ReportSection] = [
        BarChart(f"Income and cost by month, {periods.fy_to_date}", labels,
                 [("Income", [budget.actual_by_month["income"][m] for m in months]),
                  ("Cost", [budget.actual_by_month["cost"][m] for m in months])]),
    ]
    shown = _shown(reports.funding)
    if shown:
        sections.append(BarChart(
            f"Funding source balances, {periods.fy.name} (to {doc_date(periods.as_of)} and forecast to "
            f"{doc_date(periods.fy.end)})",
            [s.source for s in shown],
            [("Balance to date (budget to date + income - spend)", [source_balance(s) for s in shown]),
             ("Forecast balance at year end (budget + income - spend)", [s.balance_forecast for s in shown])],
            x_label="Above zero: underspent (favourable); below zero: overspent (adverse)", value_labels=True))
    if cases.cases:
        sections.append(Histogram.of(
            f"Full cost per case, {periods.cases}", [c.full_cost for c in cases.cases],
            x_label=f"Full cost of a case ({len(cases.cases)} cases, {len(cases.complete)} of them closed with hours "
                    "delivered; an open case's cost is part-way; a band holds its lower figure)"))
    else:
        sections.append(ReportNote(f"No cases in {periods.cases}.", f"Full cost per case, {periods.cases}"))
    return sections


def _funding_tables(funding: FundingReport, periods: Periods) -> list[ReportSection]:
    shown = _shown(funding)
    rows = [(s.source, s.basis, _m(s.budget), _m(s.budget_to_date), _m(s.pay), _m(s.other), _m(s.income),
             _m(source_balance(s)), variance_label("income", source_balance(s)), _m(s.balance_forecast),
             variance_label("income", s.balance_forecast)) for s in shown]
    total = (f"Total ({len(shown)})", "", _m(funding.total("budget")), _m(funding.total("budget_to_date")),
             _m(funding.total("pay")), _m(funding.total("other")), _m(funding.total("income")),
             _m(sum((source_balance(s) for s in shown), ZERO)), "", _m(funding.total("balance_forecast")), "")
    out: list[ReportSection] = [ReportTable(
        f"Funding sources: budgets and balances, {periods.fy_to_date}",
        ("Funding source", "Budget from", "Budget for the year", "Budget to date", "Pay", "Non-staff", "Income",
         "Balance to date", "", "Forecast balance", ""),
        [*rows, total], align=("L", "L", *("R",) * 6, "L", "R", "L"), total_row=True), ReportNote(
        "Each funding source's own money: its funding budgets (the money it puts in, prorated by days; else its "
        "income budget lines) and its income, less the pay charged to it through the posts' funding splits and "
        "its non-staff costs. This is not page 1's variance by funding source, which sets each source's income "
        "and cost budget lines against their actuals and adds up to the net variance against budget.")]
    parts = [p for s in shown for p in s.parts]
    if parts:
        out.append(ReportTable(
            f"Funding budgets in {periods.fy.name}, prorated by days",
            ("Funding source", "Budget", "Period", "Whole budget", "Days in the year", "Part in the year",
             "Part to date"),
            [(p.source, p.description, f"{doc_date(p.starts_on)} to {doc_date(p.ends_on)}", _m(p.whole),
              p.days_text, _m(p.amount), _m(p.to_date)) for p in parts],
            align=("L", "L", "L", "R", "R", "R", "R")))
    return out


def _forecast_table(forecast: ForecastReport, periods: Periods) -> ReportTable:
    rows = [(ln.line, ln.kind, ln.source, _m(ln.budget), _m(ln.to_date), _m(ln.rest), _m(ln.forecast),
             _m(ln.variance), ln.label, ln.basis) for ln in forecast.lines]
    for name, t in (("Income", forecast.totals("income")), ("Cost", forecast.totals("cost")),
                    ("Net (income - cost)", forecast.net())):
        rows.append((name, "", "", _m(t["budget"]), _m(t["to_date"]), _m(t["rest_of_year"]), _m(t["forecast"]),
                     _m(t["variance"]), variance_label("cost" if name == "Cost" else "income", t["variance"]), ""))
    return ReportTable(f"Forecast to the year end, {periods.fy.name} (actual to {doc_date(periods.as_of)})",
                       ("Line", "Kind", "Funding source", "Budget", "To date", "Rest of the year", "Forecast",
                        "Variance", "", "Basis"), rows,
                       align=("L", "L", "L", "R", "R", "R", "R", "R", "L", "L"), total_row=True)


def _budget_lines(budget: BudgetReport, periods: Periods) -> ReportTable:
    rows = [(r.line, r.kind, r.source, _m(r.budget), _m(r.budget_to_date), _m(r.actual),
             _m(r.variance), "" if r.variance is None else variance_label(r.kind, r.variance))
            for r in budget.rows]
    return ReportTable(f"Budget lines, {periods.fy_to_date}",
                       ("Line", "Kind", "Funding source", "Budget", "Budget to date", "Actual to date", "Variance",
                        ""), rows, align=("L", "L", "L", "R", "R", "R", "R", "L"))


def _utilisation_table(util: UtilisationReport, periods: Periods) -> list[ReportSection]:
    title = f"Utilisation, {periods.cases}"
    if not util.rows and not util.unposted:
        return [ReportNote("No delivery posts filled and no hours delivered in these days.", title)]
    rows = [(r.post, r.person, r.staff or "(not linked)", f"{r.fte}", f"{doc_date(r.first)} to {doc_date(r.last)}",
             _hours(r.capacity), _hours(r.delivered), _hours(r.deemed),
             _pct(r.utilisation) + (" (over capacity)" if r.over_capacity else "")) for r in util.rows]
    rows.append((f"Total ({len(util.rows)})", "", "", "", "", _hours(util.capacity), _hours(util.delivered),
                 _hours(util.deemed), _pct(util.utilisation)))
    out: list[ReportSection] = [ReportTable(
        title, ("Post", "Person", "Sessions of", "FTE", "Days", "Capacity hours", "Delivered hours",
                "of which deemed", "Utilisation"), rows, align=("L", "L", "L", "R", "L", "R", "R", "R", "R"),
        total_row=True)]
    notes = []
    if any(r.over_capacity for r in util.rows):
        notes.append("A row over 100% is over capacity: check the FTE or the hours recorded.")
    if util.unposted:
        notes.append("Hours delivered by people who hold no delivery post, not in the total or the utilisation: "
                     + "; ".join(f"{u.staff} {_hours(u.delivered)} hours" for u in util.unposted) + ".")
    if notes:
        out.append(ReportNote(" ".join(notes)))
    return out


def _per_case(cases: CaseCostReport, periods: Periods) -> ReportTable:
    rows = [(c.ref, c.school, _hours(c.hours), as_pounds(c.cost), as_pounds(c.full_cost),
             as_pounds(c.day_rate_value), as_pounds(c.income), as_pounds(c.net_full_cost)) for c in cases.cases]
    t = cases.total
    rows.append((f"Total ({len(cases.cases)})", "", _hours(t("hours")), as_pounds(t("cost")),
                 as_pounds(t("full_cost")), as_pounds(t("day_rate_value")), as_pounds(t("income")),
                 as_pounds(t("net_full_cost"))))
    return ReportTable(f"Cost per case, {periods.cases}",
                       ("Case", "School", "Hours", "Direct cost", "Full cost", "Day-rate value", "Income",
                        "Net on full cost"), rows, align=("L", "L", *("R",) * 6), total_row=True)


def pack_reports(ctx: Context, fy: FinancialYear, periods: Periods) -> PackReports:
    as_of = periods.as_of
    budget = budget_report(ctx, fy)  # the forecast is read off it: made once
    return PackReports(
        budget=budget, forecast=forecast_report(ctx, fy, budget), funding=funding_report(ctx, fy),
        # Over the same days as the per-case figures, whose full cost shares the same capacity.
        utilisation=utilisation_report(ctx, periods.year.start, min(as_of, periods.year.end))
        if as_of >= periods.year.start else None,
        cases=case_costs(ctx, periods.year), open_closed=case_counts(ctx, fy, as_of))


def manager_pack(ctx: Context, fy: FinancialYear) -> tuple[bytes, list[HeadlineRow]]:
    """The manager's pack for ``fy`` as of ``ctx.today``: the PDF and the rows of its headline CSV
    (figure, value, detail, period: the same strings as page 1 prints; amount, direction: the plain figure)."""
    as_of = min(ctx.today, fy.end)
    # The per-case figures are for the academic year the day falls in (the cases of the year being worked);
    # for a year not yet begun, the academic year that starts in it.
    periods = Periods(fy, as_of, AcademicYear.of(as_of) if as_of >= fy.start else AcademicYear(fy.start_year))
    reports = pack_reports(ctx, fy, periods)
    figures = headline_figures(reports, periods)
    headlines = Headlines(
        "Headline figures",
        [Headline(f.figure, f.value, f.detail if f.period == periods.fy_to_date else f"{f.detail}; {f.period}",
                  f.tone) for f in figures],
        period=f"Unless stated, {periods.fy_to_date}.", columns=4 if len(figures) <= 12 else 5)
    sections: list[ReportSection] = [
        headlines, PageBreak(), *_charts(reports, periods),
        *_funding_tables(reports.funding, periods), _forecast_table(reports.forecast, periods),
        _budget_lines(reports.budget, periods),
    ]
    if reports.utilisation is not None:
        sections.extend(_utilisation_table(reports.utilisation, periods))
    sections += [_per_case(reports.cases, periods), ReportNote(how(), "How the figures are made")]
    pdf = render_report(f"Manager's pack {fy.name}", "Inclusion traded services: does the service pay for itself?",
                        sections, as_of=ctx.today, landscape=True)
    return pdf, [f.row() for f in figures]
