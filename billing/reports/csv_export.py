"""The one CSV writer: every CSV the engine writes goes through :func:`csv_text`.

CSV for the council's finance system: a header row, one row per report line, UTF-8,
money as plain decimals (``4500.00``: no currency sign, no thousands separator).

Formula injection (OWASP "CSV injection"): a spreadsheet runs a cell that starts with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) as a formula, so a
school called ``=HYPERLINK("http://x","y")`` would become a live link in the finance
team's spreadsheet. Every *text* cell (a ``str`` value: names, references, lines typed
by people) that starts with one of those characters is written with a single quote
before it (``'=HYPERLINK(...)``), which the spreadsheet shows as text. Whether a cell is
text is decided by the value's type, never by how it looks: a ``Decimal`` (money,
hours, ``-12.50``), an ``int``, a date or a boolean is written by the code and stays a
plain number, so negative amounts stay numbers. So tables pass money as ``Decimal``,
never as a formatted string.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from billing.aged_debt import COLUMNS as AGED_COLUMNS
from billing.aged_debt import AgedDebt
from billing.outputs import write_output
from billing.reports.budget import BudgetReport
from billing.reports.case_costs import CaseCostReport
from billing.reports.forecast import ForecastReport
from billing.reports.funding import FundingReport
from billing.reports.school_income import SchoolReport
from billing.reports.utilisation import NOT_IN_UTILISATION, OVER_CAPACITY, UtilisationReport
from pricing.money import format_money

Table = tuple[list[str], list[list[object]]]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is neutralised (OWASP)."""


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show, never run: ``'`` before a formula's first character."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: object) -> str:
    """One cell: numbers, dates and booleans as the code writes them; anything else as neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The whole file: a header row, then one row per item, each value through :func:`cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([cell(h) for h in headers])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buf.getvalue()


def write_csv(path: str | Path, table: Table, force: bool = False, database_url: object = None) -> Path:
    """Write the table whole (billing.outputs: atomic, never over the database, existing files only with force)."""

    return write_output(Path(path), csv_text(*table).encode("utf-8"), force=force,
                        database_url=database_url)  # type: ignore[arg-type]


def case_costs_table(report: object) -> Table:

    assert isinstance(report, CaseCostReport)
    headers = ["case_id", "ref", "urn", "school", "year", "covered", "closed", "hours", "deemed_hours", "cost",
               "day_rate_value", "income_billed", "subscription_share", "income", "net", "non_staff", "full_cost",
               "net_full_cost"]
    return headers, [[c.as_json()[h if h != "case_id" else "id"] for h in headers] for c in report.cases]


AGED_HEADERS = {"current": "not_yet_due"}
"""The aged-debt column the screen and the PDF call "Not yet due" (the rest are days past due as they stand)."""


def aged_debt_table(report: object) -> Table:
    """One row per school owing at the as-of date, its money by how long past due (billing.aged_debt)."""
    assert isinstance(report, AgedDebt)
    headers = ["as_of", "urn", "school", "invoices", *(AGED_HEADERS.get(c, c) for c in AGED_COLUMNS), "total"]
    return headers, [[report.as_of, s.urn, s.name, s.invoices, *(s.buckets[c] for c in AGED_COLUMNS), s.total]
                     for s in report.schools]


def school_table(report: object) -> Table:

    assert isinstance(report, SchoolReport)
    headers = ["urn", "school", "year", "subscription", "extras", "interest", "income", "cost", "net"]
    return headers, [[r.as_json()[h] for h in headers] for r in report.rows]


def budget_table(report: object) -> Table:

    assert isinstance(report, BudgetReport)
    headers = ["fy", "as_of", "line", "kind", "source", "fte", "budget", "budget_to_date", "actual", "variance", "forecast",
               "forecast_variance", "basis"]
    rows = [[report.fy.name, report.as_of, *[r.as_json()[h] for h in headers[2:]]] for r in report.rows]
    return headers, rows


def utilisation_table(report: object) -> Table:
    """One row per delivery assignment (over 100% marked), then one per member of staff with hours but no
    delivery post, noted as in neither the total nor the utilisation."""
    assert isinstance(report, UtilisationReport)
    headers = ["from", "to", "row", "post", "person", "staff", "fte", "capacity_hours", "delivered_hours",
               "deemed_hours", "utilisation_percent", "over_capacity", "note"]
    rows: list[list[object]] = [
        [r.first, r.last, "assignment", r.post, r.person, r.staff, r.fte, r.capacity, r.delivered, r.deemed,
         r.utilisation, r.over_capacity, OVER_CAPACITY if r.over_capacity else None] for r in report.rows]
    rows += [[report.first, report.last, "no delivery post", None, None, u.staff, None, None, u.delivered, u.deemed,
              None, None, NOT_IN_UTILISATION] for u in report.unposted]
    return headers, rows


def funding_table(report: object) -> Table:
    assert isinstance(report, FundingReport)
    headers = ["fy", "as_of", "source", "basis", "budget", "budget_to_date", "pay", "non_staff", "spend", "income",
               "balance", "pay_forecast", "non_staff_forecast", "spend_forecast", "income_forecast",
               "balance_forecast"]
    return headers, [[report.fy.name, report.as_of, s.source, s.basis, s.budget, s.budget_to_date, s.pay, s.other,
                      s.spend, s.income, s.balance, s.pay_forecast, s.other_forecast, s.spend_forecast,
                      s.income_forecast, s.balance_forecast] for s in report.sources]


def forecast_table(report: object) -> Table:
    assert isinstance(report, ForecastReport)
    headers = ["fy", "as_of", "line", "kind", "source", "budget", "to_date", "rest_of_year", "forecast", "variance",
               "label", "basis"]
    return headers, [[report.fy.name, report.as_of, *[ln.as_json()[h] for h in headers[2:]]] for ln in report.lines]
