"""The aged-debt report, registered by cli/reports.py as `traded report aged-debt`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime


@click.command("aged-debt")
@pass_runtime
def aged_debt(rt: Runtime) -> None:
    """What every school owes at the as-of date: not yet due, then 0-30, 31-60, 61-90 and 90+ days past due.

    \b
    Example:
      traded --as-of 2020-01-31 report aged-debt
    """
    from billing.aged_debt import COLUMNS
    from billing.aged_debt import aged_debt as report

    data = rt.run(lambda ctx: report(ctx).as_json(), read_only=True)

    def text() -> str:
        from cli.tables import table

        rows = [[s["urn"], s["name"], *(s[c] for c in COLUMNS), s["total"]] for s in data["schools"]]  # type: ignore[attr-defined]
        totals = data["totals"]
        rows.append(["", "Total", *(totals[c] for c in COLUMNS), totals["total"]])  # type: ignore[index]
        return table(["URN", "School", "Not due", "0-30", "31-60", "61-90", "90+", "Total"], rows,
                     align="llrrrrrr", title=f"Aged debt at {data['as_of']}")

    rt.emit(data, text)
