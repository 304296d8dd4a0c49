"""Aged debt as a landscape PDF (issue 19): every school owing, by how long past due, with totals."""

from __future__ import annotations

from billing.aged_debt import COLUMNS, AgedDebt
from invoices.formats import doc_date
from invoices.report_pdf import ReportNote, ReportTable, render_report
from pricing.money import ZERO, as_pounds

HEADERS = {"current": "Not yet due", "0-30": "0-30 days", "31-60": "31-60 days", "61-90": "61-90 days",
           "90+": "Over 90 days"}


def aged_debt_pdf(report: AgedDebt) -> bytes:
    """``report`` as a PDF: one row per school (largest debt first), a total row and how it is aged."""
    rows = [(s.name, s.urn, f"{s.invoices}", *(as_pounds(s.buckets[c]) for c in COLUMNS), as_pounds(s.total))
            for s in report.schools]
    totals = report.totals
    rows.append((f"Total ({len(report.schools)} schools)", "", f"{sum(s.invoices for s in report.schools)}",
                 *(as_pounds(totals[c]) for c in COLUMNS), as_pounds(sum(totals.values(), ZERO))))
    table = ReportTable(f"Owed at {doc_date(report.as_of)}",
                        ("School", "URN", "Invoices", *(HEADERS.get(c, c) for c in COLUMNS), "Total"), rows,
                        align=("L", "L", "R", *("R",) * (len(COLUMNS) + 1)), total_row=True)
    note = ReportNote(
        "What each school owes on its invoices at the as-of date (after payments and credit notes), aged by "
        "days past the invoice's due date (its issue date when it has none): not yet due, then 0-30, 31-60, "
        "61-90 and over 90 days past due. Schools with the most owed come first.",
        title="How debt is aged")
    return render_report("Aged debt", "Inclusion traded services: what schools owe, by how long past due",
                         [table, note], as_of=report.as_of, landscape=True)
