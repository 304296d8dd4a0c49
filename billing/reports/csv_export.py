"""CSV for the council's finance system: a header row, one row per report line, UTF-8,
money as plain decimals (``4500.00``: no currency sign, no thousands separator)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from pricing.money import format_money

Table = tuple[list[str], list[list[object]]]


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buf.getvalue()


def write_csv(path: str | Path, table: Table) -> Path:
    target = Path(path)
    target.write_text(csv_text(*table), encoding="utf-8", newline="")
    return target


def case_costs_table(report: object) -> Table:
    from billing.reports.case_costs import CaseCostReport

    assert isinstance(report, CaseCostReport)
    headers = ["case_id", "ref", "urn", "school", "year", "covered", "hours", "deemed_hours", "cost",
               "day_rate_value", "income_billed", "subscription_share", "income", "net"]
    return headers, [[c.as_json()[h if h != "case_id" else "id"] for h in headers] for c in report.cases]


def school_table(report: object) -> Table:
    from billing.reports.school_income import SchoolReport

    assert isinstance(report, SchoolReport)
    headers = ["urn", "school", "year", "subscription", "extras", "interest", "income", "cost", "net"]
    return headers, [[r.as_json()[h] for h in headers] for r in report.rows]


def budget_table(report: object) -> Table:
    from billing.reports.budget import BudgetReport

    assert isinstance(report, BudgetReport)
    headers = ["fy", "as_of", "line", "kind", "source", "fte", "budget", "budget_to_date", "actual", "variance", "forecast",
               "forecast_variance", "basis"]
    rows = [[report.fy.name, report.as_of, *[r.as_json()[h] for h in headers[2:]]] for r in report.rows]
    return headers, rows
