"""`traded reminders run|list`."""

from __future__ import annotations

import click

from cli.listing import list_options
from cli.mail_options import mail_setup, no_email_option
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
@no_email_option("the letters")
@pass_runtime
def run(rt: Runtime, out: str | None, force: bool, no_email: bool) -> None:
    """Record the reminders due at the as-of date (and write the letters); none is sent twice.

    Each letter's email to the school's finance contacts, the letter attached,
    is queued with it (`traded mail send` delivers them) unless --no-email.

    \b
    Example:
      traded --as-of 2019-12-31 reminders run --out letters/
      traded --as-of 2019-12-31 reminders run --no-email
    """
    from pathlib import Path

    from billing.reminders import run_reminders

    mail = mail_setup(rt, no_email)
    data = rt.run(lambda ctx: run_reminders(ctx, Path(out) if out else None, force, mail).as_json(),
                  prints=mail is not None)  # the email carries the pay link when card payments are set up

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        rows = [[r["urn"], r["invoice"], r["level"], r["days_overdue"], money(r["outstanding"])]
                for r in data["reminders"]]  # type: ignore[attr-defined]
        lines = [table(["URN", "Invoice", "Level", "Days overdue", "Outstanding"], rows, align="llrrr",
                       title=count(len(rows), "reminder"))]
        lines += [f"Letter: {p}" for p in data["letters"]]  # type: ignore[attr-defined]
        return "\n".join(lines)

    rt.emit(data, text)


@reminders.command("list")
@click.option("--urn", default=None, metavar="URN", help="Only reminders sent to this school.")
@click.option("--invoice", "invoice_number", default=None, metavar="NUMBER", help="Only reminders about this invoice.")
@click.option("--from", "from_", default=None, metavar="DATE", help="Only reminders sent on or after this day.")
@click.option("--to", "to", default=None, metavar="DATE", help="Only reminders sent on or before this day.")
@list_options
@pass_runtime
def list_(rt: Runtime, urn: str | None, invoice_number: str | None, from_: str | None, to: str | None) -> None:
    """List the reminders already sent: the day, the school, the invoice, the level and what was outstanding.

    \b
    Example:
      traded reminders list --urn 100279
      traded reminders list --from 2025-10-01 --to 2025-12-31
    \b
    JSON: [{"id", "urn", "school", "invoice", "due", "level": 7|30|60, "sent",
            "outstanding": "4500.00"}]
    """
    from billing.views.reminders import list_reminders
    from cli.listing import emit_list
    from pricing.clock import parse_date

    def service(ctx: object) -> list[dict[str, object]]:
        return [r.as_json() for r in list_reminders(ctx, urn, invoice_number,  # type: ignore[arg-type]
                                                    parse_date(from_) if from_ else None,
                                                    parse_date(to) if to else None)]

    rows = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        return table(["Sent", "URN", "School", "Invoice", "Due", "Level", "Outstanding"],
                     [[r["sent"], r["urn"], r["school"], r["invoice"], r["due"], f"{r['level']} days",
                       money(r["outstanding"])] for r in rows],
                     align="lllllrr", wrap=("School",), title=count(len(rows), "reminder"))

    emit_list(rt, rows, text)
