"""Race test on PostgreSQL (issue 9, domain-rules §7, §8): 8 concurrent bill runs, payments and credit notes.

Eight threads each call run_bill_run for 1 January while other threads record
payments (named and oldest-first allocation) and issue credit notes against the
September invoices. Afterwards: no charge on two invoices, every due charge
invoiced once, INV and CN numbers gap-free, every payment's allocations
recorded as returned, no payment over-allocated and no invoice allocated
beyond its total less credit.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from billing.bill_run import run_bill_run
from billing.cases import open_case
from billing.context import Context
from billing.db import make_engine, transaction
from billing.invoicing import issue_credit_note
from billing.models import Allocation, AuditEntry, Charge, Invoice, Payment
from billing.payments import PaymentResult, record_payment
from billing.schools import add_staff
from billing.sessions import add_session, deliver_session
from pricing.clock import FixedClock, parse_london
from tests.reliability.ledger_checks import (
    assert_allocations_sound,
    assert_charges_invoiced_once,
    assert_documents_add_up,
    assert_gap_free,
)
from tests.reliability.workload import build_council
from tests.support import service_context

SCHOOLS = 24
RUNS = 8
SEP1 = date(2025, 9, 1)
JAN1 = date(2026, 1, 1)


def add_autumn_casework(engine: Engine, urns: list[str]) -> int:
    """Two cases a school in the autumn term, 3 h delivered on each; how many are not covered.

    Initial-tier schools have one referral a year included, so their second case is
    extra casework that the 1 January run must raise (once, however many runs race).
    """
    uncovered = 0
    with service_context(engine, date(2025, 9, 10)) as ctx:
        add_staff(ctx, "Race Worker", "Inclusion worker", "40.00")
        case_ids = []
        for n, urn in enumerate(urns):
            for k in range(2):
                opened = open_case(ctx, urn, f"C25-{n:03d}{k}", date(2025, 9, 10))
                case_ids.append(opened.case.id)
                uncovered += not opened.case.covered
    with service_context(engine, date(2025, 10, 6)) as ctx:
        for case_id in case_ids:
            added = add_session(ctx, case_id=case_id, starts_at=parse_london("2025-10-06 10:00"), hours="3",
                                staff="Race Worker")
            deliver_session(ctx, added.session.id)
    return uncovered


def test_concurrent_bill_runs_and_payments(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("race test is for PostgreSQL; SQLite serialises every writer")
    engine = make_engine(db_url, pool_size=RUNS + 6, max_overflow=4)
    try:
        urns = build_council(engine, SCHOOLS)
        uncovered = add_autumn_casework(engine, urns)
        run_bill_run(engine, FixedClock(SEP1), "setup")
        with engine.connect() as conn:
            september = list(conn.execute(select(Invoice.number, Invoice.customer["urn"].as_string(), Invoice.total)
                                          .where(Invoice.kind == "invoice").order_by(Invoice.seq)))
        assert len(september) == SCHOOLS

        errors: list[BaseException] = []
        recorded: list[PaymentResult] = []
        credit_notes: list[str] = []
        start = threading.Barrier(RUNS + 3)

        def worker(body: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                try:
                    start.wait(timeout=60)
                    body()
                except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                    errors.append(exc)
            return run

        def bill() -> None:
            run_bill_run(engine, FixedClock(JAN1), "racer")

        def pay(seed: int) -> Callable[[], None]:
            def body() -> None:
                rng = random.Random(seed)
                for _ in range(12):
                    number, urn, total = rng.choice(september)
                    named = [number] if rng.random() < 0.5 else []
                    amount = (Decimal(total) * Decimal(rng.randint(20, 80)) / 100).quantize(Decimal("0.01"))
                    with transaction(engine) as session:
                        ctx = Context(session=session, clock=FixedClock(JAN1), actor=f"payer{seed}")
                        recorded.append(record_payment(ctx, urn, amount, JAN1, "bacs", named))
            return body

        def credit() -> None:
            rng = random.Random(7)
            for number, _urn, _total in rng.sample(september, 8):
                with transaction(engine) as session:
                    ctx = Context(session=session, clock=FixedClock(JAN1), actor="credit")
                    credit_notes.append(issue_credit_note(ctx, number, Decimal("10.00"), "Race test goodwill").number)

        threads = [threading.Thread(target=worker(bill)) for _ in range(RUNS)]
        threads += [threading.Thread(target=worker(pay(s))) for s in (1, 2)]
        threads.append(threading.Thread(target=worker(credit)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert not any(t.is_alive() for t in threads), "a racing thread hung"
        assert not errors, f"racing threads failed: {errors!r}"

        assert_charges_invoiced_once(engine, JAN1, all_due_invoiced=True)
        with engine.connect() as conn:  # every racer raised the term's extra casework; it exists once
            casework = conn.scalar(select(func.count()).select_from(Charge).where(Charge.kind == "casework"))
        assert casework == uncovered > 0
        assert assert_gap_free(engine, "INV") == 2 * SCHOOLS  # one invoice per school per run date
        assert assert_gap_free(engine, "CN") == len(credit_notes) == 8
        assert_documents_add_up(engine)
        assert_allocations_sound(engine)
        with engine.connect() as conn:
            payments = conn.scalar(select(Payment.id).order_by(Payment.id.desc()).limit(1))
            stored = {(r.payment_id, r.number, r.amount) for r in conn.execute(
                select(Allocation.payment_id, Invoice.number, Allocation.amount)
                .join(Invoice, Invoice.id == Allocation.invoice_id))}
            # A bill run settles new invoices from a school's unallocated credit (§8); those
            # allocations are in the audit trail rather than returned to a payer.
            from_credit = {(int(entry.entity_id), a["invoice"], Decimal(a["amount"]))
                           for entry in conn.execute(select(AuditEntry.entity_id, AuditEntry.detail)
                                                     .where(AuditEntry.action == "payment.allocate_credit"))
                           for a in entry.detail["allocations"]}
        assert len(recorded) == 24 and payments is not None
        returned = {(p.id, a.invoice, a.amount) for p in recorded for a in p.allocations}
        assert returned | from_credit == stored, "allocations returned or audited differ from those stored"
        assert all(p.unallocated >= 0 for p in recorded)
        assert len(urns) == SCHOOLS
    finally:
        engine.dispose()
