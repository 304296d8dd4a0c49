"""Kill test (issue 9, domain-rules §7): a bill run SIGKILLed at random points, re-run until it completes.

The `traded bill run` command runs in a subprocess; a seeded schedule kills it
(SIGKILL, no chance to clean up) once the database shows a chosen number of
invoices, after a random extra delay, so kills land before, between and inside
the per-school transactions. The run is started again after every kill. When a
run finally completes, every charge due is on exactly one invoice line, no
charge is on two, invoice numbers are 1..n with no gap, there is exactly one
invoice per school, and the invoiced net equals the due charges to the penny.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select

from billing.db import make_engine
from billing.models import BillRun, Charge, Invoice, InvoiceLine
from tests.reliability.ledger_checks import (
    assert_charges_invoiced_once,
    assert_documents_add_up,
    assert_gap_free,
)
from tests.reliability.workload import build_council

REPO = Path(__file__).resolve().parents[2]
RUN_ON = date(2026, 1, 1)  # autumn and spring instalments due: two lines per invoice
SCHOOLS = 80
KILLS = 10
SEED = 20250901


def _watcher(db_url: str) -> Engine:
    """A read-only observer. Not make_engine: on SQLite that takes the write lock on every
    transaction (BEGIN IMMEDIATE), which would queue the watcher behind the run it watches."""
    if db_url.startswith("sqlite"):
        return create_engine(db_url)
    return make_engine(db_url)


def _invoice_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Invoice)) or 0


def _start_run(db_url: str) -> subprocess.Popen[bytes]:
    # Small batches: many commits per run, so kills land before, between and inside them.
    env = {**os.environ, "TRADED_USER": "kill-test", "TRADED_BILL_RUN_BATCH": "4"}
    env.pop("TRADED_FAIL_AFTER_INVOICES", None)
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "--db", db_url, "--as-of", RUN_ON.isoformat(), "--json", "bill", "run"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def _kill_when(proc: subprocess.Popen[bytes], engine: Engine, target: int, extra: float, limit: float) -> bool:
    """SIGKILL ``proc`` ``extra`` seconds after ``target`` invoices exist; False if it finished first."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and _invoice_count(engine) < target:
        if time.monotonic() > deadline:
            break
        time.sleep(0.001)
    end = time.monotonic() + extra
    while proc.poll() is None and time.monotonic() < end:
        time.sleep(0.002)
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return True


def test_bill_run_survives_sigkill_at_random_points(db_url: str) -> None:
    setup = make_engine(db_url)
    try:
        urns = build_council(setup, SCHOOLS)
    finally:
        setup.dispose()
    watcher = _watcher(db_url)
    rng = random.Random(SEED)
    kills = 0
    mid_run = 0
    try:
        for _ in range(KILLS):
            before = _invoice_count(watcher)
            # Kill once 0-12 more invoices exist, plus 0-10 ms: during start-up, between
            # batches or inside a batch's transaction.
            target = before + rng.randint(0, 12)
            proc = _start_run(db_url)
            killed = _kill_when(proc, watcher, target, rng.uniform(0.0, 0.01), limit=120)
            if killed:
                kills += 1
                after = _invoice_count(watcher)
                mid_run += 0 < after - before  # the killed run had committed some invoices
            else:
                out, err = proc.communicate()
                assert proc.returncode == 0, f"bill run failed after {kills} kills: {err.decode()[-2000:]}"
                break
        final = _start_run(db_url)
        out, err = final.communicate(timeout=300)
        assert final.returncode == 0, f"final bill run failed after {kills} kills: {err.decode()[-2000:]}"
        assert kills >= 5, f"only {kills} kills landed before the run finished; the test proved little"
        assert mid_run >= 3, f"only {mid_run} kills landed after some invoices were committed"
        _check_ledger(watcher, urns)
    finally:
        watcher.dispose()


def _check_ledger(engine: Engine, urns: list[str]) -> None:
    assert_charges_invoiced_once(engine, RUN_ON, all_due_invoiced=True)
    n = assert_gap_free(engine, "INV")
    assert n == len(urns), f"{n} invoices for {len(urns)} schools: a school's charges were split or duplicated"
    assert_documents_add_up(engine)
    with engine.connect() as conn:
        # Every killed run that got as far as recording itself was marked by the next one; none is left "running".
        statuses = dict(conn.execute(select(BillRun.status, func.count()).group_by(BillRun.status)).all())
        assert statuses.get("running", 0) == 0 and statuses.get("done", 0) >= 1, statuses
        due_total = conn.scalar(select(func.sum(Charge.amount)).where(Charge.status == "due", Charge.due_on <= RUN_ON))
        due_count = conn.scalar(select(func.count()).select_from(Charge).where(Charge.status == "due",
                                                                                 Charge.due_on <= RUN_ON))
        net, vat, total = conn.execute(select(func.sum(Invoice.net), func.sum(Invoice.vat),
                                              func.sum(Invoice.total))).one()
        lines = conn.scalar(select(func.count()).select_from(InvoiceLine))
        own_total = conn.scalar(select(func.sum(Invoice.total)).where(Invoice.vat == 0))
        own_due = conn.scalar(
            select(func.sum(Charge.amount)).join(Invoice, Invoice.school_id == Charge.school_id)
            .where(Charge.status == "due", Charge.due_on <= RUN_ON, Invoice.vat == 0))
    assert due_count == 2 * len(urns) and lines == due_count
    assert Decimal(net) == Decimal(due_total), f"invoiced net {net} != due charges {due_total}"
    assert Decimal(total) == Decimal(due_total) + Decimal(vat)
    # The council's own maintained schools pay no VAT: their invoices equal their charges exactly.
    assert own_total is not None and Decimal(own_total) == Decimal(own_due)
