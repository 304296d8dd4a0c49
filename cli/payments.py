"""`traded payment add|import|refund|allocate` (the bank lines' worklist is `traded receipts`, cli/receipts.py)."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime
from pricing.text import REASON_HELP


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
        [f"Payment {data['id']} of {_money(data['amount'])} recorded for {data['urn']}."]
        + [f"  {a['invoice']}: {_money(a['amount'])}" for a in data["allocations"]]  # type: ignore[attr-defined]
        + [f"  left as credit: {_money(data['unallocated'])}"]))


def _money(value: object) -> str:
    from cli.formats import money

    return money(value)


@payment.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--profile", default=None, metavar="NAME",
              help="CSV only: a bank's column layout named in the price book ([council.bank_profiles.NAME]).")
@click.option("--column", "columns", multiple=True, metavar="FIELD=HEADER",
              help="CSV only: which header holds date, reference, amount (or credit and debit), "
                   "e.g. --column reference=Description; overrides the profile.")
@click.option("--no-rematch", is_flag=True, help="Do not try the lines waiting from earlier imports again.")
@pass_runtime
def import_(rt: Runtime, file: str, profile: str | None, columns: tuple[str, ...], no_rematch: bool) -> None:
    """Import a bank statement (CSV, MT940 or camt.053 XML) and record the payments it can match.

    Every line is kept: matched by an invoice number or a school's URN in the
    reference (the payment is recorded), unmatched (waits on the worklist,
    `traded receipts list`), future (dated after today: matched once its date
    has come) or rejected (a debit, or not in pounds). Importing the same
    statement again adds nothing, and so does the same line re-exported with its
    reference in other case or spacing. Afterwards, lines waiting from earlier
    imports are matched again. Lines are committed in chunks: an import cut
    short is finished by running it again.

    \b
    Example:
      traded payment import statement-2019-12.csv
      traded payment import export.csv --profile lloyds
      traded payment import export.csv --column date="Transaction Date" --column reference=Description
      traded payment import statement.xml
    """
    from pathlib import Path

    from billing.bank_import import COLUMN_FIELDS, run_bank_import
    from cli.runtime import actor_name

    cmap: dict[str, str] = {}
    for item in columns:
        key, sep, header = item.partition("=")
        if not sep or key.strip() not in COLUMN_FIELDS or not header.strip():
            rt.refuse("invalid_input", f"--column {item!r} must be FIELD=HEADER with FIELD one of "
                                       f"{', '.join(COLUMN_FIELDS)}")
        cmap[key.strip()] = header.strip()
    clock = rt.clock()
    result = rt.drive(lambda: run_bank_import(rt.engine(), clock, actor_name(), Path(file), cmap, profile,
                                              rematch=not no_rematch))
    data = result.as_json()

    def text() -> str:
        from cli.formats import count
        from cli.tables import table

        c = result.counts()
        out = [f"{result.file}: {count(c['read'], 'line')} read = {c['matched']} matched"
               f" + {c['unmatched']} unmatched"
               f" + {c['future']} future-dated + {c['already_imported']} already imported"
               f" + {c['rejected']} rejected."]
        if result.not_booked:
            out.append(f"{result.not_booked} entries not yet booked by the bank were left out: "
                       "they come in a later statement.")
        if result.unmatched:
            out.append(table(["Line", "Date", "Amount", "Reference", "Why"],
                             [[u["id"], u["date"], _money(u["amount"]), u["reference"], u["reason"]]
                              for u in result.unmatched],
                             align="rlrll", wrap=("Reference", "Why"), title="Unmatched: `traded receipts match LINE --urn URN` "
                                                  "or `traded receipts reject LINE --reason TEXT`"))
        if result.future:
            out.append(table(["Line", "Date", "Amount", "Reference"],
                             [[u["id"], u["date"], _money(u["amount"]), u["reference"]] for u in result.future],
                             align="rlrl", wrap=("Reference",), title="Future-dated: matched when their day comes"))
        if result.rejected:
            out.append(table(["Line", "Date", "Amount", "Reference", "Why"],
                             [[u["id"], u["date"], _money(u["amount"]), u["reference"], u["reason"]]
                              for u in result.rejected],
                             align="rlrll", wrap=("Reference", "Why"), title="Rejected: not money received in pounds"))
        if result.rematched:
            out.append(f"{count(len(result.rematched), 'line')} waiting from earlier imports matched now.")
        return "\n".join(out)

    rt.emit(data, text)


@payment.command("refund")
@click.argument("urn")
@click.option("--amount", required=True, metavar="AMOUNT")
@click.option("--on", "on", required=True, metavar="DATE")
@click.option("--reason", required=True, metavar="TEXT", help=f"Why the credit is paid back. {REASON_HELP}")
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
    rt.emit(data, lambda: f"Refunded {_money(data['amount'])} to {data['urn']}; "
                          f"{_money(data['remaining_credit'])} credit left.")


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

    def text() -> str:
        from cli.formats import count

        allocations: list[dict[str, object]] = data["allocations"]  # type: ignore[assignment]
        return "\n".join([f"{count(len(allocations), 'allocation')}; {_money(data['unallocated'])} credit left."]
                         + [f"  {a['invoice']}: {_money(a['amount'])}" for a in allocations])

    rt.emit(data, text)
