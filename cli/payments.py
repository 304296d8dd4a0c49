"""`traded payment add|import|refund|allocate`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime


@click.group()
def payment() -> None:
    """Record, import and allocate payments from schools.

    \b
    Example:
      traded payment add 100279 --amount 4500.00 --on 2019-12-15 --method bacs --invoice INV-000123
    """


@payment.command("add")
@click.argument("urn")
@click.option("--amount", required=True, metavar="AMOUNT", help="Money received, e.g. 4500.00.")
@click.option("--on", "on", required=True, metavar="DATE", help="The day the money was received.")
@click.option("--method", required=True, metavar="bacs|cheque|card")
@click.option("--invoice", "invoices", multiple=True, metavar="NUMBER",
              help="Pay this invoice first (repeatable); the rest goes to the oldest open invoices.")
@click.option("--ref", default=None, metavar="TEXT", help="The payer's reference.")
@pass_runtime
def add(rt: Runtime, urn: str, amount: str, on: str, method: str, invoices: tuple[str, ...],
        ref: str | None) -> None:
    """Record a payment and allocate it: named invoices first, then oldest first.

    Any overpayment stays on the school's account as credit.

    \b
    Example:
      traded payment add 100279 --amount 4500.00 --on 2019-12-15 --method bacs --invoice INV-000123
    """
    from billing.payments import parse_amount, record_payment
    from pricing.clock import parse_date

    def service(ctx: object) -> dict[str, object]:
        return record_payment(ctx, urn, parse_amount(amount, "payment amount"), parse_date(on),  # type: ignore[arg-type]
                              method, invoices, reference=ref).as_json()

    data = rt.run(service)
    rt.emit(data, lambda: "\n".join(
        [f"Payment {data['id']} of {data['amount']} recorded for {data['urn']}."]
        + [f"  {a['invoice']}: {a['amount']}" for a in data["allocations"]]  # type: ignore[attr-defined]
        + [f"  left as credit: {data['unallocated']}"]))


@payment.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--column", "columns", multiple=True, metavar="FIELD=HEADER",
              help="CSV only: which header holds date, amount or reference, e.g. --column reference=Description.")
@pass_runtime
def import_(rt: Runtime, file: str, columns: tuple[str, ...]) -> None:
    """Import a bank statement (CSV or MT940) and record the payments it can match.

    Lines are matched by an invoice number or a school's URN in the reference;
    unmatched lines are listed for a person to allocate. Importing the same file
    again records nothing twice.

    \b
    Example:
      traded payment import statement-2019-12.csv
      traded payment import export.csv --column date="Transaction Date" --column reference=Description
    """
    from pathlib import Path

    from billing.bank_import import import_bank_file
    from pricing.errors import InvalidInput

    def service(ctx: object) -> dict[str, object]:
        cmap: dict[str, str] = {}
        for item in columns:
            key, sep, header = item.partition("=")
            if not sep or key.strip() not in ("date", "amount", "reference") or not header.strip():
                raise InvalidInput(f"--column {item!r} must be date=HEADER, amount=HEADER or reference=HEADER")
            cmap[key.strip()] = header.strip()
        return import_bank_file(ctx, Path(file), cmap).as_json()  # type: ignore[arg-type]

    data = rt.run(service)

    def text() -> str:
        from cli.tables import table

        out = [f"{data['matched']} matched, {len(data['unmatched'])} unmatched, "  # type: ignore[arg-type]
               f"{len(data['ignored'])} ignored, {data['already_imported']} already imported."]  # type: ignore[arg-type]
        if data["unmatched"]:
            out.append(table(["Date", "Amount", "Reference", "Why"],
                             [[u["date"], u["amount"], u["reference"], u["reason"]]
                              for u in data["unmatched"]],  # type: ignore[attr-defined]
                             align="lrll", title="Unmatched: allocate by hand with `traded payment add`"))
        return "\n".join(out)

    rt.emit(data, text)


@payment.command("refund")
@click.argument("urn")
@click.option("--amount", required=True, metavar="AMOUNT")
@click.option("--on", "on", required=True, metavar="DATE")
@click.option("--reason", required=True, metavar="TEXT")
@pass_runtime
def refund(rt: Runtime, urn: str, amount: str, on: str, reason: str) -> None:
    """Pay back part of a school's unallocated credit.

    \b
    Example:
      traded payment refund 100279 --amount 120.00 --on 2020-01-10 --reason "Overpaid INV-000123"
    """
    from billing.payments import parse_amount, refund_credit
    from pricing.clock import parse_date

    def service(ctx: object) -> dict[str, object]:
        return refund_credit(ctx, urn, parse_amount(amount, "refund amount"), parse_date(on),  # type: ignore[arg-type]
                             reason).as_json()

    data = rt.run(service)
    rt.emit(data, f"Refunded {data['amount']} to {data['urn']}; {data['remaining_credit']} credit left.")


@payment.command("allocate")
@click.argument("urn")
@pass_runtime
def allocate(rt: Runtime, urn: str) -> None:
    """Apply a school's unallocated credit to its open invoices, oldest first.

    \b
    Example:
      traded payment allocate 100279
    """
    from billing.payments import allocate_credit

    def service(ctx: object) -> dict[str, object]:
        done = allocate_credit(ctx, urn)  # type: ignore[arg-type]
        return {"urn": done.urn, "allocations": [{"invoice": a.invoice, "amount": a.amount}
                                                  for a in done.allocations],
                "unallocated": done.remaining_credit}

    data = rt.run(service)
    rt.emit(data, f"{len(data['allocations'])} allocations; {data['unallocated']} credit left.")  # type: ignore[arg-type]
