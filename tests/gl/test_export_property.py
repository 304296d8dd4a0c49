"""Under any activity, exported in any ranges, every money event is in exactly one balanced batch and the
exported ledger reconciles with the engine to the penny (issue 20).

Each example runs on a fresh copy of the migrated SQLite template file.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from billing.balances import invoice_outstanding
from billing.db import make_engine
from billing.gl.batches import export_batch
from billing.gl.reconcile import reconcile
from billing.invoicing import issue_credit_note
from billing.models import GlBatch, GlBatchEvent, GlBatchLine, Invoice, Payment, Refund
from billing.payments import account_credit, record_payment, refund_credit
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import service_context

D = Decimal
START = date(2025, 9, 1)
SCHOOLS = ("100001", "100002", "100003")

pennies = st.integers(min_value=1, max_value=500_000).map(lambda p: D(p) / 100)
step = st.one_of(
    st.tuples(st.just("invoice"), pennies, st.integers(0, 2)),
    st.tuples(st.just("credit"), st.integers(1, 100), st.integers(0, 9)),   # percent of what is left
    st.tuples(st.just("pay"), pennies, st.integers(0, 2)),
    st.tuples(st.just("refund"), st.integers(1, 100), st.integers(0, 2)),   # percent of credit held
    st.tuples(st.just("export"), st.integers(0, 60), st.integers(0, 20)),   # from this many days back, to that many
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(step, st.integers(0, 20)), min_size=1, max_size=12))
def test_every_event_in_exactly_one_balanced_batch_and_reconcile_at_zero(sqlite_template: Path,
                                                                         steps: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "traded.db"
        shutil.copy(sqlite_template, target)
        engine = make_engine(f"sqlite:///{target}")
        try:
            _check(engine, steps, Path(tmp))
        finally:
            engine.dispose()


def _check(engine: Engine, steps: list[Any], folder: Path) -> None:
    with service_context(engine, START) as ctx:
        setup_ledger(ctx, *((urn, "academy") for urn in SCHOOLS))
    day = START
    exports = 0
    for (kind, x, y), gap in steps:
        day += timedelta(days=gap)
        with service_context(engine, day) as ctx:
            if kind == "invoice":
                make_invoice(ctx, SCHOOLS[y], x, day, day + timedelta(days=30))
            elif kind == "credit":
                invoices = list(ctx.session.scalars(select(Invoice).where(Invoice.kind == "invoice")
                                                    .order_by(Invoice.id)))
                if invoices:
                    target = invoices[y % len(invoices)]
                    left = target.total - (ctx.session.scalar(
                        select(func.sum(Invoice.total)).where(Invoice.corrects_id == target.id)) or D("0.00"))
                    amount = (left * x / 100).quantize(D("0.01"))
                    if amount > 0:
                        issue_credit_note(ctx, target.number, amount, "Correction")
            elif kind == "pay":
                record_payment(ctx, SCHOOLS[y], x, day, "bacs")
            elif kind == "refund":
                amount = (account_credit(ctx, SCHOOLS[y]) * x / 100).quantize(D("0.01"))
                if amount > 0:
                    refund_credit(ctx, SCHOOLS[y], amount, day, "Refund of overpayment")
            else:
                end = day - timedelta(days=y)
                exports += 1
                export_batch(ctx, end - timedelta(days=x), end, folder / f"batch-{exports}.csv")
    with service_context(engine, day) as ctx:
        export_batch(ctx, day, day, folder / "last.csv")
        assert reconcile(ctx).balanced and reconcile(ctx).unexported == ()
        recorded = {("payment", i) for i in ctx.session.scalars(select(Payment.id))}
        recorded |= {("refund", i) for i in ctx.session.scalars(select(Refund.id))}
        recorded |= {(k, i) for i, k in ctx.session.execute(select(Invoice.id, Invoice.kind))}
        exported = [(k, i) for k, i in ctx.session.execute(select(GlBatchEvent.kind, GlBatchEvent.source_id))]
        assert sorted(exported) == sorted(recorded)  # each event once, none missed
        numbers = list(ctx.session.scalars(select(GlBatch.number).order_by(GlBatch.number)))
        assert numbers == list(range(1, len(numbers) + 1))  # gap-free
        for batch_id, debit, credit in ctx.session.execute(
                select(GlBatchLine.batch_id, func.sum(GlBatchLine.debit), func.sum(GlBatchLine.credit))
                .group_by(GlBatchLine.batch_id)):
            assert debit == credit, batch_id
        assert all(v >= 0 for v in invoice_outstanding(ctx.session).values())
