"""The aged-debt report, registered by cli/reports.py as `traded report aged-debt`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from cli.listing import list_options
from cli.runtime import Runtime, pass_runtime


@click.command("aged-debt")
@click.option("--pdf", "pdf_file", default=None, metavar="FILE",
              help="Also write the report as a landscape PDF (one row per school, totals).")
@list_options
@pass_runtime
def aged_debt(rt: Runtime, pdf_file: str | None) -> None:
    """What every school owes at the as-of date: not yet due, then 0-30, 31-60, 61-90 and 90+ days past due.

    \b
    Example:
      traded --as-of 2020-01-31 report aged-debt
      traded report aged-debt --csv aged-debt.csv --pdf aged-debt.pdf
    """
    from billing.aged_debt import COLUMNS, AgedDebt
    from billing.aged_debt import aged_debt as report
    from billing.outputs import check_outputs, write_output
    from billing.reports.aged_debt_pdf import aged_debt_pdf
    from billing.reports.csv_export import aged_debt_table
    from cli.listing import csv_request, emit_list
    from pricing.errors import TradedError

    csv_file, force = csv_request()

    def write(action: Callable[[], object]) -> None:
        try:
            action()
        except TradedError as exc:
            rt.refuse(exc.code, exc.message)

    # Both paths are checked before any work (and one file named for both is refused), so a refused one
    # writes neither.
    write(lambda: check_outputs((csv_file, pdf_file), force=force, database_url=rt.engine().url))
    debt: AgedDebt = rt.run(report, read_only=True)
    if pdf_file:
        write(lambda: write_output(Path(pdf_file), aged_debt_pdf(debt), force=force, database_url=rt.engine().url))
    data = debt.as_json()

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        schools: list[dict[str, object]] = data["schools"]  # type: ignore[assignment]
        rows = [[s["urn"], s["name"], *(money(s[c]) for c in COLUMNS), money(s["total"])] for s in schools]
        totals = data["totals"]
        rows.append(["", "Total", *(money(totals[c]) for c in COLUMNS), money(totals["total"])])  # type: ignore[index]
        out = table(["URN", "School", "Not yet due", "0-30", "31-60", "61-90", "90+", "Total"], rows,
                    align="llrrrrrr", wrap=("School",),
                    title=f"Aged debt at {data['as_of']}: {count(len(schools), 'school')} owing")
        return out + (f"\nPDF written to {pdf_file}." if pdf_file else "")

    emit_list(rt, data, text, records=data["schools"], csv_table=aged_debt_table(debt))  # type: ignore[arg-type]
