"""Demo phase: a month for the council's general ledger (issue 20, docs/ledger-export.md).

Finance exports September 2025 a few days after the month ends, as batch 1: every
invoice, recharge, credit note, payment, journal transfer and refund dated in the
month (and any dated before it), as a balanced CSV journal in demo-output/ledger/.
Then the ledger is reconciled as of the month's last day: the exported lines beside
the engine's invoices, credit notes, payments and balances, every difference zero.

The export only reads the ledger and records its batch: no document, payment or
random draw changes, so everything the other phases made stays as it was.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from billing.context import Context
from billing.db import transaction
from billing.gl.batches import export_batch
from billing.gl.reconcile import reconcile
from pricing.clock import FixedClock

if TYPE_CHECKING:
    from billing.demo import DemoState

ACTOR = "demo"
LEDGER_DIR = "ledger"


def month(state: DemoState) -> tuple[date, date, date]:
    """(first day, last day, day exported): September of the demo's year, exported on 6 October."""
    year = state.year.start_year
    return date(year, 9, 1), date(year, 9, 30), date(year, 10, 6)


def export_file(state: DemoState) -> str:
    start, _, _ = month(state)
    return f"{LEDGER_DIR}/gl-{start:%Y-%m}.csv"


def run(state: DemoState) -> None:
    start, end, exported_on = month(state)
    out = state.out_dir / export_file(state)
    out.parent.mkdir(parents=True, exist_ok=True)
    with transaction(state.engine) as session:
        # force: a demo folder written before holds last time's file; the database is new, so this is batch 1.
        result = export_batch(Context(session=session, clock=FixedClock(exported_on), actor=ACTOR),
                              start, end, out, force=True)
    with transaction(state.engine, read_only=True) as session:
        checked = reconcile(Context(session=session, clock=FixedClock(end), actor=ACTOR))
    batch = result.batch
    state.summary["ledger"] = {
        "batch": batch.number if batch else None,
        "range": f"{start.isoformat()} to {end.isoformat()}",
        "events": batch.events if batch else 0,
        "lines": batch.lines if batch else 0,
        "debits": str(batch.debits) if batch else "0.00",
        "credits": str(batch.credits) if batch else "0.00",
        "file": str(out),
        "reconciled_as_of": end.isoformat(),
        "differences": sum(1 for f in checked.figures if f.difference != 0),
        "not_exported": len(checked.unexported),
    }
