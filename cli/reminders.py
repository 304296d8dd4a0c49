"""`traded reminders run`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime


@click.group()
def reminders() -> None:
    """Reminders for invoices 7, 30 and 60 days past due, each sent once.

    \b
    Example:
      traded --as-of 2019-12-31 reminders run --out letters/
    """


@reminders.command("run")
@click.option("--out", "out", default=None, type=click.Path(file_okay=False), metavar="DIR",
              help="Write one PDF letter per school and level into DIR.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists (never the database).")
@pass_runtime
def run(rt: Runtime, out: str | None, force: bool) -> None:
    """Record the reminders due at the as-of date (and write the letters); none is sent twice.

    \b
    Example:
      traded --as-of 2019-12-31 reminders run --out letters/
    """
    from pathlib import Path

    from billing.reminders import run_reminders

    data = rt.run(lambda ctx: run_reminders(ctx, Path(out) if out else None, force).as_json())

    def text() -> str:
        from cli.tables import table

        rows = [[r["urn"], r["invoice"], r["level"], r["days_overdue"], r["outstanding"]]
                for r in data["reminders"]]  # type: ignore[attr-defined]
        lines = [table(["URN", "Invoice", "Level", "Days overdue", "Outstanding"], rows, align="llrrr",
                       title=f"{len(rows)} reminders")]
        lines += [f"Letter: {p}" for p in data["letters"]]  # type: ignore[attr-defined]
        return "\n".join(lines)

    rt.emit(data, text)
