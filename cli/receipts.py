"""`traded receipts list|match|reject|rematch`: the worklist of bank lines (docs/rules.md §8).

Bank statements come in with `traded payment import FILE`; every line is kept
with a status, and the lines that are not payments yet wait here.
"""

from __future__ import annotations

from typing import Any

import click

from cli.listing import list_options
from cli.runtime import Runtime, pass_runtime
from contracts.states import BankLineStatus

# Plain words, not the enum: click would match an Enum choice by its member's name.
STATUS_CHOICES = ("waiting", *(status.value for status in (BankLineStatus.UNMATCHED, BankLineStatus.FUTURE,
                                                           BankLineStatus.MATCHED, BankLineStatus.REJECTED)), "all")


def _line_id(rt: Runtime, text: str) -> int:
    if not text.strip().isdigit():
        rt.refuse("invalid_input", f"bank line {text!r} must be a line number from `traded receipts list`")
    return int(text)


@click.group()
def receipts() -> None:
    """The receipts worklist: bank lines waiting to be matched to a school or rejected.

    Rules: docs/rules.md §8 (every bank line is kept).

    Statements are imported with `traded payment import FILE`; every line is
    kept as matched, unmatched, future (dated after today) or rejected.

    \b
    Example:
      traded receipts list
      traded receipts match 12 --urn 100279 --invoice INV-000066
      traded receipts reject 13 --reason "Refund from a supplier, not a school"
      traded --as-of 2026-01-05 receipts rematch
    """


@receipts.command("list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUS_CHOICES), metavar="STATUS",
              help="waiting (the default: unmatched and future), unmatched, future, matched, rejected or all; "
                   "repeatable.")
@click.option("--file", "source_file", default=None, metavar="NAME", help="Only lines imported from this file.")
@list_options
@pass_runtime
def list_(rt: Runtime, statuses: tuple[str, ...], source_file: str | None) -> None:
    """List bank lines by status: by default the ones waiting for a person.

    \b
    Example:
      traded receipts list
      traded --json receipts list --status rejected --file statement-2025-12.csv
      traded receipts list --status all --csv bank-lines.csv
    """
    from decimal import Decimal
    from typing import cast

    from billing.receipts import STATUSES, WAITING, list_lines
    from cli.listing import emit_list
    from pricing.money import ZERO

    wanted: list[str] = []
    for status in statuses or ("waiting",):
        names = WAITING if status == "waiting" else STATUSES if status == "all" else (status,)
        wanted.extend(n for n in names if n not in wanted)

    def service(ctx: object) -> dict[str, object]:
        lines = list_lines(ctx, wanted, source_file)  # type: ignore[arg-type]
        total = sum((cast(Decimal, line["amount"]) for line in lines if line["currency"] == "GBP"), ZERO)
        return {"statuses": wanted, "lines": lines, "count": len(lines), "total": total}

    data = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        lines: list[dict[str, Any]] = data["lines"]  # type: ignore[assignment]
        if not lines:
            return f"No bank lines {'/'.join(wanted)}."
        rows = [[line["id"], line["date"], money(line["amount"]) if line["currency"] == "GBP"
                 else f"{line['amount']} {line['currency']}", line["reference"], line["status"],
                 line["urn"] or "", line["reason"] or "", f"{line['file']}:{line['line_no'] or '?'}"]
                for line in lines]
        return table(["Line", "Date", "Amount", "Reference", "Status", "URN", "Why", "File"], rows,
                     align="rlrlllll", wrap=("Reference", "Why"),
                     title=f"{count(int(data['count']), 'bank line')} {'/'.join(wanted)}, {money(data['total'])}")  # type: ignore[call-overload]

    emit_list(rt, data, text, records=data["lines"])  # type: ignore[arg-type]


@receipts.command("match")
@click.argument("line")
@click.option("--urn", required=True, metavar="URN", help="The school that paid.")
@click.option("--invoice", "invoices", multiple=True, metavar="NUMBER",
              help="Pay this invoice first (repeatable); the rest goes to the oldest open invoices.")
@pass_runtime
def match(rt: Runtime, line: str, urn: str, invoices: tuple[str, ...]) -> None:
    """Match a bank line to a school: its payment is recorded with the line's date, amount and reference.

    The money goes to the named invoices first, then the school's oldest open
    invoices; anything over stays on the school's account as credit.

    \b
    Example:
      traded receipts match 12 --urn 100279 --invoice INV-000066
    """
    from billing.receipts import match_by_hand

    line_id = _line_id(rt, line)
    data = rt.run(lambda ctx: match_by_hand(ctx, line_id, urn, invoices))
    rt.emit(data, lambda: "\n".join(
        [f"Bank line {data['id']} ({_money(data['amount'])}, {data['date']}) matched to {data['urn']}: "
         f"payment {data['payment']}."]
        + [f"  {a['invoice']}: {_money(a['amount'])}" for a in data["allocations"]]  # type: ignore[attr-defined]
        + [f"  left as credit: {_money(data['unallocated'])}"]))


def _money(value: object) -> str:
    from cli.formats import money

    return money(value)


@receipts.command("reject")
@click.argument("line")
@click.option("--reason", required=True, metavar="TEXT", help="Why this money is not a school's payment.")
@pass_runtime
def reject(rt: Runtime, line: str, reason: str) -> None:
    """Take a waiting bank line off the worklist, with the reason recorded in the audit trail.

    \b
    Example:
      traded receipts reject 13 --reason "Refund from a supplier, not a school"
    """
    from billing.receipts import reject_line

    line_id = _line_id(rt, line)
    data = rt.run(lambda ctx: reject_line(ctx, line_id, reason))
    rt.emit(data, lambda: f"Bank line {data['id']} ({_money(data['amount'])}, {data['date']}) rejected: {data['reason']}.")


@receipts.command("rematch")
@pass_runtime
def rematch(rt: Runtime) -> None:
    """Try the automatic match again on waiting lines, as of the as-of date.

    A future-dated line is matched once its date has come; an unmatched one once
    its reference finds one school (say, after the school was registered).
    `traded payment import` does this too after each file.

    \b
    Example:
      traded --as-of 2026-01-05 receipts rematch
    """
    from billing.receipts import run_rematch
    from cli.runtime import actor_name

    clock = rt.clock()
    result = rt.drive(lambda: run_rematch(rt.engine(), clock, actor_name()))
    data = result.as_json()
    rt.emit(data, lambda: (f"{_count(data['count'], 'waiting line')} matched now ({_money(data['total'])}); "
                           f"{data['still_unmatched']} still unmatched, {data['still_future']} dated after today."))


def _count(n: object, noun: str) -> str:
    from cli.formats import count

    return count(int(n), noun)  # type: ignore[call-overload]
