"""A bill run SIGKILLed part-way leaves exactly one queued email per invoice it committed (issue 17).

The run's batches queue each invoice's message in the invoice's own
transaction, so after every kill, and after the run that finishes, the outbox
holds one message for each issued invoice and no other. Kills land as in
test_kill_bill_run (a seeded schedule, small batches).
"""

from __future__ import annotations

import random

from sqlalchemy import Engine, select

from billing.db import make_engine
from billing.models import Invoice
from billing.models.mail import MailMessage
from tests.reliability.test_kill_bill_run import _invoice_count, _kill_when, _start_run, _watcher
from tests.reliability.workload import build_council

SCHOOLS = 40
KILLS = 5
SEED = 20260101


def _one_message_per_invoice(engine: Engine) -> int:
    with engine.connect() as conn:
        numbers = list(conn.scalars(select(Invoice.number).where(Invoice.kind == "invoice").order_by(Invoice.number)))
        keys = list(conn.scalars(select(MailMessage.key).order_by(MailMessage.key)))
    assert keys == sorted(f"invoice/{n}" for n in numbers), "the outbox and the invoices disagree"
    return len(numbers)


def test_a_killed_bill_run_leaves_one_message_per_issued_invoice(db_url: str) -> None:
    setup = make_engine(db_url)
    try:
        build_council(setup, SCHOOLS)
    finally:
        setup.dispose()
    watcher = _watcher(db_url)
    rng = random.Random(SEED)
    kills = 0
    try:
        for _ in range(KILLS):
            proc = _start_run(db_url)
            target = _invoice_count(watcher) + rng.randint(1, 8)
            if not _kill_when(proc, watcher, target, rng.uniform(0.0, 0.01), limit=120):
                _, err = proc.communicate()
                assert proc.returncode == 0, err.decode()[-2000:]
                break
            kills += 1
            _one_message_per_invoice(watcher)
        final = _start_run(db_url)
        _, err = final.communicate(timeout=300)
        assert final.returncode == 0, err.decode()[-2000:]
        assert kills >= 2, f"only {kills} kills landed before the run finished"
        assert _one_message_per_invoice(watcher) == SCHOOLS
    finally:
        watcher.dispose()
