"""`traded interest run|waive`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime


@click.group()
def interest() -> None:
    """Raise or waive late-payment interest (2% a month, calculated daily).

    \b
    Example:
      traded --as-of 2019-12-31 interest run
    """


@interest.command("run")
@pass_runtime
def run(rt: Runtime) -> None:
    """Raise the interest earned on late invoices up to the as-of date, never twice for the same days.

    Each late invoice gets one interest charge, billed by the next bill run.

    \b
    Example:
      traded --as-of 2019-12-31 interest run
    """
    from billing.interest_run import run_interest

    data = rt.run(lambda ctx: run_interest(ctx).as_json())

    def text() -> str:
        from cli.tables import table

        rows = [[c["invoice"], c["urn"], c["from"], c["to"], c["days"], c["amount"]]
                for c in data["charges"]]  # type: ignore[attr-defined]
        return table(["Invoice", "URN", "From", "To", "Days", "Interest"], rows, align="llllrr",
                     title=f"{len(rows)} interest charges, total {data['total']}")

    rt.emit(data, text)


@interest.command("waive")
@click.argument("charge_id", metavar="ID", type=int)
@click.option("--reason", required=True, metavar="TEXT", help="Why it is waived (recorded in the audit trail).")
@pass_runtime
def waive(rt: Runtime, charge_id: int, reason: str) -> None:
    """Waive an interest charge: not yet invoiced, it is dropped; invoiced, it is credited.

    \b
    Example:
      traded interest waive 42 --reason "Delay caused by our invoicing error"
    """
    from billing.interest_run import waive_interest

    data = rt.run(lambda ctx: waive_interest(ctx, charge_id, reason).as_json())
    rt.emit(data, f"Interest charge {data['id']} ({data['amount']}) waived"
            + (f" by credit note {data['credit_note']}." if data["credit_note"] else "."))
