"""`traded bill run [--dry-run [--lines]]`, `traded bill list|show`.

Unlike other commands the bill run commits school by school (see
billing.bill_run), so it drives the engine itself rather than through
`Runtime.run`'s single transaction.

Crash testing: with TRADED_FAIL_AFTER_INVOICES=N in the environment the run
stops with an error after committing N invoices, as if it had been killed;
running it again completes it. TRADED_BILL_RUN_BATCH=N commits N invoices per
transaction instead of the default (the kill test uses small batches so that
kills land between commits).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from cli.listing import list_options
from cli.mail_options import mail_setup, no_email_option
from cli.params import RECORD_ID
from cli.runtime import Runtime, pass_runtime

FAIL_AFTER_ENV = "TRADED_FAIL_AFTER_INVOICES"
BATCH_ENV = "TRADED_BILL_RUN_BATCH"
PROGRESS_FROM = 10
"""Runs planning at least this many invoices show a progress bar on stderr (never with --json)."""


@click.group()
def bill() -> None:
    """Raise everything due as invoices (bill run).

    \b
    Example:
      traded --as-of 2025-09-01 bill run --dry-run
      traded --as-of 2025-09-01 bill run
    """


def _whole_number_env(rt: Runtime, name: str) -> int | None:
    text = rt.environment.get(name)
    if not text:
        return None
    if not text.strip().isdigit() or int(text) < 1 and name == BATCH_ENV:
        rt.fail_usage(f"{name} must be a whole number, not {text!r}")
    return int(text)


class _Bar:
    """A rich progress bar on stderr, started only once the run knows it is large."""

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self._progress: Any = None
        self._task: Any = None

    def plan(self, total: int) -> None:
        if not self.enabled or total < PROGRESS_FROM:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=Console(file=sys.stderr), transient=True)
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=total)

    def tick(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _drive(rt: Runtime, call: Callable[[], Any], writes: bool) -> Any:
    from billing.bill_run import BillRunInterrupted

    def guarded() -> Any:
        try:
            return call()
        except BillRunInterrupted as exc:
            rt.refuse("bill_run_interrupted", f"{exc}; run it again to finish")

    return rt.drive(guarded, writes=writes)


@bill.command("run")
@click.option("--dry-run", is_flag=True, help="Show what would be invoiced (without numbers) and write nothing.")
@click.option("--lines", "show_lines", is_flag=True,
              help="With --dry-run: every line each invoice would carry (description, period, quantity, "
                   "unit price, net, VAT, total).")
@no_email_option("the invoices")
@pass_runtime
def run(rt: Runtime, dry_run: bool, show_lines: bool, no_email: bool) -> None:
    """Invoice every charge due up to the as-of date, once per school (docs/rules.md §7).

    Each school's invoice is committed on its own, so an interrupted run
    leaves whole invoices only; running it again issues the rest and nothing
    twice. Invoices are dated the run date and due after the council's terms.
    Each invoice's email to the school's finance contacts is queued with it
    (`traded mail send` delivers them) unless --no-email; a dry run queues
    nothing.

    \b
    Example:
      traded --as-of 2025-09-01 bill run --dry-run
      traded --as-of 2025-09-01 bill run --dry-run --lines
      traded --as-of 2025-09-01 --json bill run
      traded --as-of 2025-09-01 bill run --no-email
    \b
    JSON: {"invoices": [{"number", "urn", "total"}], "count", "total"}; with --dry-run --lines
          each invoice also has "school", "interest_only", "net", "vat" and "lines":
          [{"description", "period_start", "period_end", "quantity", "unit_price", "net",
            "vat_code", "vat_rate", "vat", "total"}]
    """
    from billing.bill_run import run_bill_run

    if show_lines and not dry_run:
        rt.fail_usage("--lines goes with --dry-run (an issued invoice's lines: traded invoice show NUMBER)")
    clock = rt.clock()
    fail_after = _whole_number_env(rt, FAIL_AFTER_ENV)
    batch = _whole_number_env(rt, BATCH_ENV)
    mail = None if dry_run else mail_setup(rt, no_email)
    pay_page = rt.pay_page() if mail is not None else None
    bar = _Bar(enabled=not rt.as_json, label="Dry run" if dry_run else "Invoicing")
    try:
        result = _drive(rt, lambda: run_bill_run(rt.engine(), clock, rt.actor, dry_run=dry_run,
                                                 progress=bar.tick, fail_after=fail_after, on_plan=bar.plan,
                                                 mail=mail, pay_page=pay_page,
                                                 **({"batch_size": batch} if batch else {})), writes=not dry_run)
    finally:
        bar.close()

    def text() -> str:
        from cli.formats import money
        from cli.tables import table

        if not result.invoices:
            return f"Nothing due up to {result.run_on.isoformat()}: no invoices {'would be ' if dry_run else ''}issued."
        if show_lines:
            return _lines_text(result)
        rows = [[inv.number or "(draft)", inv.urn, inv.school, _kind(inv), inv.lines, money(inv.total)]
                for inv in result.invoices]
        verb = "would be issued (dry run, nothing written)" if dry_run else "issued"
        return table(["Number", "URN", "School", "Kind", "Lines", "Total"], rows, align="llllrr",
                     wrap=("School",), title=f"{_documents(result)} {verb} on "
                                            f"{result.run_on.isoformat()}, total {money(result.total)}")

    rt.emit(result.as_json(lines=show_lines), text)


def _kind(inv: Any) -> str:
    """The Kind column: blank for an ordinary invoice."""
    return ", ".join(word for word, yes in (("recharge", inv.recharge), ("interest", inv.interest_only)) if yes)


def _documents(result: Any) -> str:
    """What a run issued: "3 invoices and 2 recharges" (a recharge is settled by journal, not an invoice)."""
    from cli.formats import count

    recharges = result.recharges
    invoices = result.count - recharges
    parts = [count(invoices, "invoice")] if invoices or not recharges else []
    if recharges:
        parts.append(count(recharges, "recharge"))
    return " and ".join(parts)


def _lines_text(result: Any) -> str:
    """A dry run's invoices one by one: the school and totals over a table of its lines."""
    from textwrap import fill

    from cli.formats import count, money
    from cli.tables import table, terminal_width

    def heading(text: str) -> str:  # wrapped between words: an amount or a URN is never split
        return fill(text, terminal_width(), break_long_words=False, break_on_hyphens=False)

    parts = [heading(f"{_documents(result)} would be issued on {result.run_on.isoformat()} "
                     f"(dry run, nothing written), total {money(result.total)}")]
    for inv in result.invoices:
        kind = (", recharge" if inv.recharge else "") + (", interest only" if inv.interest_only else "")
        parts += ["", heading(f"{inv.school} (URN {inv.urn}{kind}): {count(len(inv.items), 'line')}, "
                              f"net {money(inv.net)}, VAT {money(inv.vat)}, total {money(inv.total)}")]
        parts.append(table(
            ["Description", "Qty", "Unit price", "VAT rate", "Net", "VAT", "Total"],
            [[ln.description + (f"\n{ln.period_start} to {ln.period_end}" if ln.period_start else ""),
              ln.quantity, money(ln.unit_price), f"{ln.vat_code} {ln.vat_rate.normalize():f}%",
              money(ln.net), money(ln.vat), money(ln.total)] for ln in inv.items],
            align="lrrlrrr", wrap=("Description",)))
    return "\n".join(parts)


@bill.command("list")
@list_options
@pass_runtime
def list_(rt: Runtime) -> None:
    """List bill runs: run date, when it started and finished, status, invoices issued and their total.

    Status: done; running (its process is still issuing); interrupted (stopped part-way:
    its invoices stand, the next run issues the rest). Invoices and total count what the
    run did issue.

    \b
    Example:
      traded bill list
      traded --json bill list
    \b
    JSON: [{"id", "run_on", "started": "2025-09-01 12:00", "finished",
            "status": "running|done|interrupted", "invoices", "total": "142033.25", "actor"}]
    """
    from billing.views.documents import list_bill_runs
    from cli.listing import emit_list

    rows = rt.run(lambda ctx: [r.as_json() for r in list_bill_runs(ctx)], read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        return table(["ID", "Run date", "Started", "Finished", "Status", "Invoices", "Total", "By"],
                     [[r["id"], r["run_on"], r["started"], r["finished"], r["status"], r["invoices"],
                       money(r["total"]), r["actor"]] for r in rows],
                     align="rllllrrl", title=count(len(rows), "bill run"))

    emit_list(rt, rows, text)


@bill.command("show")
@click.argument("run_id", metavar="ID", type=RECORD_ID)
@pass_runtime
def show(rt: Runtime, run_id: int) -> None:
    """Show a bill run and every invoice it issued.

    \b
    Example:
      traded bill show 3
    \b
    JSON: {"id", "run_on", "started", "finished", "status", "invoices", "total", "actor",
           "invoice_list": [{"number", "urn", "school", "issued", "net", "vat", "total", "interest_only"}]}
    """
    from billing.views.documents import show_bill_run

    data = rt.run(lambda ctx: show_bill_run(ctx, run_id).as_json(), read_only=True)

    def text() -> str:
        from cli.details import details
        from cli.formats import count, money
        from cli.tables import table

        invoices: Any = data["invoice_list"]
        return "\n".join([
            details([("Bill run", data["id"]), ("Run date", data["run_on"]), ("Started", data["started"]),
                     ("Finished", data["finished"]), ("Status", data["status"]), ("By", data["actor"]),
                     ("Invoices", data["invoices"]), ("Total", money(data["total"]))]),
            table(["Number", "URN", "School", "Kind", "Net", "VAT", "Total"],
                  [[i["number"], i["urn"], i["school"], "interest" if i["interest_only"] else "", money(i["net"]),
                    money(i["vat"]), money(i["total"])] for i in invoices],
                  align="llllrrr", wrap=("School",), title=count(len(invoices), "invoice")),
        ])

    rt.emit(data, text)
