"""The aged-debt report, registered by cli/reports.py as `traded report aged-debt`."""

from __future__ import annotations

import click

from cli.listing import list_options
from cli.runtime import Runtime, pass_runtime


@click.command("aged-debt")
@list_options
@pass_runtime
def aged_debt(rt: Runtime) -> None:
    """What every school owes at the as-of date: not yet due, then 0-30, 31-60, 61-90 and 90+ days past due.

    \b
    Example:
      traded --as-of 2020-01-31 report aged-debt
      traded report aged-debt --csv aged-debt.csv
    """
    from billing.aged_debt import COLUMNS
    from billing.aged_debt import aged_debt as report
    from cli.listing import emit_list

    data = rt.run(lambda ctx: report(ctx).as_json(), read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        schools: list[dict[str, object]] = data["schools"]  # type: ignore[assignment]
        rows = [[s["urn"], s["name"], *(money(s[c]) for c in COLUMNS), money(s["total"])] for s in schools]
        totals = data["totals"]
        rows.append(["", "Total", *(money(totals[c]) for c in COLUMNS), money(totals["total"])])  # type: ignore[index]
        return table(["URN", "School", "Not due", "0-30", "31-60", "61-90", "90+", "Total"], rows,
                     align="llrrrrrr", wrap=("School",),
                     title=f"Aged debt at {data['as_of']}: {count(len(schools), 'school')} owing")

    emit_list(rt, data, text, records=data["schools"])  # type: ignore[arg-type]
