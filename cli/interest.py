"""`traded interest run|recompute|waive|list|show`."""

from __future__ import annotations

from typing import Any

import click

from cli.listing import list_options
from cli.mail_options import mail_setup, no_email_option
from cli.params import RECORD_ID
from cli.runtime import Runtime, pass_runtime
from pricing.text import REASON_HELP


@click.group()
def interest() -> None:
    """Raise or waive late-payment interest (2% a month, calculated daily).

    Rules: docs/rules.md §8 (interest, the balance on a day, money recorded late).

    \b
    Example:
      traded --as-of 2019-12-31 interest run
    """


def _show(rt: Runtime, data: dict[str, object], what: str) -> None:
    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        rows = [[c["invoice"], c["urn"], c["how"], c["id"] if c["id"] is not None else "", c["from"], c["to"],
                 c["days"], money(c["amount"]), money(c["due_now"])]
                for c in data["charges"]]  # type: ignore[attr-defined]
        preview = " (dry run: nothing written)" if data["dry_run"] else ""
        return table(["Invoice", "URN", "Change", "Charge", "From", "To", "Days", "Amount", "Due now"], rows,
                     align="lllrllrrr",
                     title=f"{what}{preview}: {count(len(rows), 'change')}, raised {money(data['raised'])}, "
                           f"taken back {money(data['reduced'])}")

    rt.emit(data, text)


@interest.command("run")
@click.option("--dry-run", is_flag=True, help="Show what would be raised and taken back; write nothing.")
@no_email_option("the credit notes")
@pass_runtime
def run(rt: Runtime, dry_run: bool, no_email: bool) -> None:
    """Bring late invoices' interest up to the as-of date, recomputed over each invoice's whole history.

    Interest due is worked out from each invoice's due date over every payment
    (by the day it was received) and credit note (by its date); only the
    difference from what was already raised is raised. Less is due after a
    payment recorded late: interest not yet invoiced is withdrawn, invoiced
    interest is reduced by a credit note, whose email to the school is queued
    with it unless --no-email. New charges are billed by the next bill run.

    \b
    Example:
      traded --as-of 2019-12-31 interest run --dry-run
      traded --as-of 2019-12-31 interest run
    """
    from billing.interest_run import run_interest

    mail = None if dry_run else mail_setup(rt, no_email)
    _show(rt, rt.run(lambda ctx: run_interest(ctx, dry_run=dry_run, mail=mail).as_json()), "Interest run")


@interest.command("recompute")
@click.option("--dry-run", is_flag=True, help="Show every invoice whose raised interest differs; write nothing.")
@no_email_option("the credit notes")
@pass_runtime
def recompute(rt: Runtime, dry_run: bool, no_email: bool) -> None:
    """Correct interest already raised, over the days already charged, from each invoice's whole history.

    A one-off repair for databases from before interest was recomputed: it
    charges no new days. Run it with --dry-run first. A credit note reducing
    invoiced interest has its email to the school queued unless --no-email.

    \b
    Example:
      traded interest recompute --dry-run
      traded interest recompute
    """
    from billing.interest_run import run_interest

    mail = None if dry_run else mail_setup(rt, no_email)
    _show(rt, rt.run(lambda ctx: run_interest(ctx, dry_run=dry_run, charged_days_only=True, mail=mail).as_json()),
          "Interest recomputed")


@interest.command("waive")
@click.argument("charge_id", metavar="ID", type=RECORD_ID)
@click.option("--reason", required=True, metavar="TEXT",
              help=f"Why it is waived (also kept in the audit trail). {REASON_HELP}")
@no_email_option("the credit note")
@pass_runtime
def waive(rt: Runtime, charge_id: int, reason: str, no_email: bool) -> None:
    """Waive an interest charge: not yet invoiced, it is dropped; invoiced, it is credited.

    The charge's id is in `traded interest list` (e.g. --invoice INV-000012).
    A credit note's email to the school is queued with it unless --no-email.

    \b
    Example:
      traded interest list --invoice INV-000012
      traded interest waive 42 --reason "Delay caused by our invoicing error"
    """
    from billing.interest_run import waive_interest
    from cli.formats import money

    mail = mail_setup(rt, no_email)
    data = rt.run(lambda ctx: waive_interest(ctx, charge_id, reason, mail).as_json())
    rt.emit(data, lambda: f"Interest charge {data['id']} ({money(data['amount'])}) waived"
            + (f" by credit note {data['credit_note']}." if data["credit_note"] else "."))


@interest.command("list")
@click.option("--urn", default=None, metavar="URN", help="Only this school's interest charges.")
@click.option("--invoice", "invoice_number", default=None, metavar="NUMBER",
              help="Only the interest earned on this late invoice.")
@click.option("--status", default=None, metavar="due|invoiced|waived|withdrawn")
@list_options
@pass_runtime
def list_(rt: Runtime, urn: str | None, invoice_number: str | None, status: str | None) -> None:
    """List interest charges with the ids `interest waive` takes.

    Status: due (raised, billed by the next bill run), invoiced (on the interest
    invoice shown), waived (with a reason; by credit note once invoiced), withdrawn
    (taken back by a recomputation before it was invoiced). Reduced: what
    recomputations took back from it by credit note.

    \b
    Example:
      traded interest list --urn 100279 --status invoiced
      traded --json interest list --invoice INV-000012
    \b
    JSON: [{"id", "invoice", "urn", "school", "from", "to", "days", "amount": "95.98",
            "status": "due|invoiced|waived|withdrawn", "interest_invoice", "waived_by",
            "reduced": "0.00", "credit_notes": []}]
    """
    from billing.views.interest import list_interest
    from cli.listing import emit_list

    rows = rt.run(lambda ctx: [c.as_json() for c in list_interest(ctx, urn, invoice_number, status)],
                  read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        return table(["ID", "Late invoice", "School", "From", "To", "Days", "Amount", "Status", "Interest invoice",
                      "Reduced"],
                     [[r["id"], r["invoice"], f"{r['school']} ({r['urn']})", r["from"], r["to"], r["days"],
                       money(r["amount"]), r["status"], r["interest_invoice"],
                       money(r["reduced"]) if r["reduced"] else ""]
                      for r in rows], align="rllllrrllr", wrap=("School",), title=count(len(rows), "interest charge"))

    emit_list(rt, rows, text)


@interest.command("show")
@click.argument("charge_id", metavar="ID", type=RECORD_ID)
@pass_runtime
def show(rt: Runtime, charge_id: int) -> None:
    """Show one interest charge: the late invoice, the days and amount, and where it stands.

    \b
    Example:
      traded interest show 42
    \b
    JSON: as one row of `interest list`.
    """
    from billing.views.interest import show_interest

    data = rt.run(lambda ctx: show_interest(ctx, charge_id).as_json(), read_only=True)

    def text() -> str:
        from cli.details import details
        from cli.formats import money

        notes: Any = data["credit_notes"]
        return details([
            ("Interest charge", data["id"]), ("Late invoice", data["invoice"]),
            ("School", f"{data['school']} (URN {data['urn']})"), ("From", data["from"]), ("To", data["to"]),
            ("Days", data["days"]), ("Amount", money(data["amount"])), ("Status", data["status"]),
            ("Interest invoice", data["interest_invoice"]), ("Waived by", data["waived_by"]),
            ("Reduced", money(data["reduced"]) if data["reduced"] else None),
            ("Credit notes", ", ".join(notes)),
        ])

    rt.emit(data, text)
