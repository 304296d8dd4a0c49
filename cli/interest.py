"""`traded interest run|waive`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime
from pricing.text import REASON_HELP


@click.group()
def interest() -> None:
    """Raise or waive late-payment interest (2% a month, calculated daily).

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
@pass_runtime
def run(rt: Runtime, dry_run: bool) -> None:
    """Bring late invoices' interest up to the as-of date, recomputed over each invoice's whole history.

    Interest due is worked out from each invoice's due date over every payment
    (by the day it was received) and credit note (by its date); only the
    difference from what was already raised is raised. Less is due after a
    payment recorded late: interest not yet invoiced is withdrawn, invoiced
    interest is reduced by a credit note. New charges are billed by the next
    bill run.

    \b
    Example:
      traded --as-of 2019-12-31 interest run --dry-run
      traded --as-of 2019-12-31 interest run
    """
    from billing.interest_run import run_interest

    _show(rt, rt.run(lambda ctx: run_interest(ctx, dry_run=dry_run).as_json()), "Interest run")


@interest.command("recompute")
@click.option("--dry-run", is_flag=True, help="Show every invoice whose raised interest differs; write nothing.")
@pass_runtime
def recompute(rt: Runtime, dry_run: bool) -> None:
    """Correct interest already raised, over the days already charged, from each invoice's whole history.

    A one-off repair for databases from before interest was recomputed: it
    charges no new days. Run it with --dry-run first.

    \b
    Example:
      traded interest recompute --dry-run
      traded interest recompute
    """
    from billing.interest_run import run_interest

    _show(rt, rt.run(lambda ctx: run_interest(ctx, dry_run=dry_run, charged_days_only=True).as_json()),
          "Interest recomputed")


@interest.command("waive")
@click.argument("charge_id", metavar="ID", type=int)
@click.option("--reason", required=True, metavar="TEXT",
              help=f"Why it is waived (also kept in the audit trail). {REASON_HELP}")
@pass_runtime
def waive(rt: Runtime, charge_id: int, reason: str) -> None:
    """Waive an interest charge: not yet invoiced, it is dropped; invoiced, it is credited.

    \b
    Example:
      traded interest waive 42 --reason "Delay caused by our invoicing error"
    """
    from billing.interest_run import waive_interest

    data = rt.run(lambda ctx: waive_interest(ctx, charge_id, reason).as_json())
    rt.emit(data, lambda: f"Interest charge {data['id']} ({_money(data['amount'])}) waived"
            + (f" by credit note {data['credit_note']}." if data["credit_note"] else "."))


def _money(value: object) -> str:
    from cli.formats import money

    return money(value)
