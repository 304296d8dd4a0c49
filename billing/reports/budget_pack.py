"""The manager's budget pack as a PDF: summary by funding source, lines, and budget
against actual by month as charts (domain-rules §9), drawn by invoices.report_pdf."""

from __future__ import annotations

from decimal import Decimal

from billing.reports.budget import BudgetReport, fy_months, month_name, staff_note
from invoices.report_pdf import BarChart, ReportNote, ReportTable, render_report
from pricing.money import as_pounds


def _m(value: Decimal | None) -> str:
    return "" if value is None else as_pounds(value)


def budget_pack(report: BudgetReport) -> bytes:
    """Render ``report`` as a PDF pack with two charts (income and cost, budget against actual by month)."""
    months = fy_months(report.fy)
    labels = tuple(month_name(m) for m in months)
    summary = ReportTable(
        "By funding source",
        ("Funding source", "Kind", "Budget", "Budget to date", "Actual to date", "Variance", "Forecast"),
        tuple((str(s["source"]), str(s["kind"]), _m(s["budget"]), _m(s["budget_to_date"]),  # type: ignore[arg-type]
               _m(s["actual"]),  # type: ignore[arg-type]
               _m(s["variance"]), _m(s["forecast"])) for s in report.by_source()),  # type: ignore[arg-type]
    )
    line_rows = tuple(
        (r.line, r.kind, r.source, "" if r.fte is None else f"{r.fte}", _m(r.budget), _m(r.budget_to_date),
         _m(r.actual), _m(r.variance), _m(r.forecast))
        for r in report.rows
    )
    lines = ReportTable("Budget lines",
                        ("Line", "Kind", "Funding source", "FTE", "Budget", "Budget to date", "Actual to date",
                         "Variance", "Forecast"), line_rows)
    inc, cost = report.totals("income"), report.totals("cost")
    net = ReportTable("Net position", ("", "Budget", "Actual to date", "Forecast"), (
        ("Income", _m(inc["budget"]), _m(inc["actual"]), _m(inc["forecast"])),
        ("Cost", _m(cost["budget"]), _m(cost["actual"]), _m(cost["forecast"])),
        ("Net", _m(inc["budget"] - cost["budget"]), _m(inc["actual"] - cost["actual"]),
         _m(inc["forecast"] - cost["forecast"])),
    ), total_row=True)
    charts = [
        BarChart(f"{kind.capitalize()}: budget against actual by month", labels,
                 (("Budget", tuple(report.budget_by_month[kind][m] for m in months)),
                  ("Actual", tuple(report.actual_by_month[kind][m] for m in months))))
        for kind in ("income", "cost")
    ]
    note = ReportNote(
        f"Actual to {report.as_of:%d %B %Y} ({report.days_elapsed} of {report.fy.days} days). Income is "
        "recognised by the days of service, not by invoice: a subscription's fee evenly over each day of its "
        "contract year up to its effective end, whether billed annually or termly; casework and orders on "
        "their delivery dates; credit notes on the days they belong to. "
        f"{as_pounds(report.deferred)} invoiced is for service in later years (deferred) and "
        f"{as_pounds(report.brought_forward)} invoiced earlier is for service this year. Council and schools "
        "forum / high-needs block contributions are counted as received evenly through the year. "
        f"{staff_note(report)} "
        "Variance = actual less the budget to date (the year's budget spread evenly by day).",
        title="How the figures are made")
    return render_report(f"Budget against actual {report.fy.name}",
                         "Inclusion traded services: income and cost by funding source",
                         [summary, net, *charts, lines, note], as_of=report.as_of, landscape=True)
