"""`traded bill run [--dry-run]`.

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

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from cli.runtime import Runtime, actor_name, pass_runtime

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
    text = os.environ.get(name)
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
@pass_runtime
def run(rt: Runtime, dry_run: bool) -> None:
    """Invoice every charge due up to the as-of date, once per school (§7).

    Each school's invoice is committed on its own, so an interrupted run
    leaves whole invoices only; running it again issues the rest and nothing
    twice. Invoices are dated the run date and due after the council's terms.

    \b
    Example:
      traded --as-of 2025-09-01 bill run --dry-run
      traded --as-of 2025-09-01 --json bill run
    """
    from billing.bill_run import run_bill_run

    clock = rt.clock()
    fail_after = _whole_number_env(rt, FAIL_AFTER_ENV)
    batch = _whole_number_env(rt, BATCH_ENV)
    bar = _Bar(enabled=not rt.as_json, label="Dry run" if dry_run else "Invoicing")
    try:
        result = _drive(rt, lambda: run_bill_run(rt.engine(), clock, actor_name(), dry_run=dry_run,
                                                 progress=bar.tick, fail_after=fail_after, on_plan=bar.plan,
                                                 **({"batch_size": batch} if batch else {})), writes=not dry_run)
    finally:
        bar.close()

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        if not result.invoices:
            return f"Nothing due up to {result.run_on.isoformat()}: no invoices {'would be ' if dry_run else ''}issued."
        rows = [[inv.number or "(draft)", inv.urn, inv.school, "interest" if inv.interest_only else "",
                 inv.lines, money(inv.total)] for inv in result.invoices]
        verb = "would be issued (dry run, nothing written)" if dry_run else "issued"
        return table(["Number", "URN", "School", "Kind", "Lines", "Total"], rows, align="lllrrr",
                     wrap=("School",), title=f"{count(result.count, 'invoice')} {verb} on "
                                            f"{result.run_on.isoformat()}, total {money(result.total)}")

    rt.emit(result.as_json(), text)
