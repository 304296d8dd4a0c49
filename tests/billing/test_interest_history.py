"""Interest over the whole history: late-recorded money and credit notes on paid invoices (domain-rules §8)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from billing.bill_run import bill_run
from billing.db import make_engine
from billing.interest_run import run_interest, waive_interest
from billing.invoicing import issue_credit_note
from billing.models import AllocationRelease, Charge, InterestReduction, Invoice
from billing.numbering import next_number
from billing.payments import account_credit, record_payment
from pricing.interest import BalanceChange, interest_due
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.conftest import _truncate_all
from tests.support import service_context

D = Decimal
URN = "100001"


def _invoice(engine: Engine, total: str, issued: date, due: date) -> str:
    with service_context(engine, issued) as ctx:
        setup_ledger(ctx, (URN, "academy"))
        number = make_invoice(ctx, URN, total, issued, due).number
        next_number(ctx, "INV", "INV")  # the hand-made invoice took INV-000001 from the series
        return number


def _pay(engine: Engine, amount: str, received: date, recorded: date) -> None:
    with service_context(engine, recorded) as ctx:
        record_payment(ctx, URN, D(amount), received, "bacs")


def _credit(engine: Engine, number: str, amount: str, on: date) -> str:
    with service_context(engine, on) as ctx:
        return issue_credit_note(ctx, number, D(amount), "Session not delivered").number


def _run(engine: Engine, on: date) -> list[tuple[str, str, Decimal]]:
    with service_context(engine, on) as ctx:
        return [(c.invoice, c.how, c.amount) for c in run_interest(ctx).charges]


def _net_raised(engine: Engine, on: date) -> Decimal:
    with service_context(engine, on) as ctx:
        kept = ctx.session.scalar(select(func.sum(Charge.amount)).where(
            Charge.kind == "interest", Charge.status != "withdrawn")) or D("0.00")
        reduced = ctx.session.scalar(select(func.sum(InterestReduction.amount))) or D("0.00")
        return kept - reduced


# --- §8 worked example: a credit note on a paid invoice ---------------------------------------


@pytest.mark.parametrize("order", ["payment_first", "credit_note_first"])
def test_a_credit_note_on_a_paid_invoice_creates_no_interest_and_120_of_credit(engine: Engine, order: str) -> None:
    number = _invoice(engine, "5640.00", date(2025, 9, 1), date(2025, 10, 1))
    if order == "payment_first":
        _pay(engine, "5640.00", date(2025, 9, 20), date(2025, 9, 20))
        _credit(engine, number, "120.00", date(2025, 10, 15))
    else:  # the credit note is entered first; the payment received on 20 Sep is recorded late
        _credit(engine, number, "120.00", date(2025, 10, 15))
        _pay(engine, "5640.00", date(2025, 9, 20), date(2025, 10, 30))
    assert _run(engine, date(2026, 2, 1)) == []
    with service_context(engine, date(2026, 2, 1)) as ctx:
        assert account_credit(ctx, URN) == D("120.00")
        release = ctx.session.scalars(select(AllocationRelease)).one()
        assert (release.amount, release.applied_on) == (D("120.00"), date(2025, 9, 20))
        assert ctx.session.scalars(select(Charge).where(Charge.kind == "interest")).all() == []


def test_the_bridge_academy_case_paid_before_due_then_credited_half_earns_nothing(engine: Engine) -> None:
    number = _invoice(engine, "14400.00", date(2025, 9, 1), date(2025, 10, 1))
    _pay(engine, "14400.00", date(2025, 9, 19), date(2025, 9, 19))
    _credit(engine, number, "7200.00", date(2026, 2, 2))
    assert _run(engine, date(2026, 2, 28)) == []


# --- §8 worked example: a payment recorded late with an earlier date --------------------------


@pytest.fixture
def late_4920(engine: Engine) -> Engine:
    _invoice(engine, "4920.00", date(2025, 9, 1), date(2025, 10, 1))
    with service_context(engine, date(2026, 2, 1)) as ctx:
        charge = run_interest(ctx).charges[0]
        assert (charge.days, charge.amount) == (123, D("397.91"))  # 4920 × .24 × 123 / 365 = 397.909…
    return engine


def test_a_backdated_payment_withdraws_uninvoiced_interest_and_raises_what_is_due(late_4920: Engine) -> None:
    _pay(late_4920, "4920.00", date(2025, 10, 15), date(2026, 2, 15))
    assert _run(late_4920, date(2026, 2, 15)) == [
        ("INV-000001", "withdrawn", D("-397.91")), ("INV-000001", "raised", D("45.29"))]
    with service_context(late_4920, date(2026, 2, 15)) as ctx:
        charges = ctx.session.scalars(select(Charge).order_by(Charge.id)).all()
        assert [(c.status, c.amount) for c in charges] == [("withdrawn", D("397.91")), ("due", D("45.29"))]
    assert _net_raised(late_4920, date(2026, 2, 15)) == D("45.29")  # 14 days: 4920 × .24 × 14 / 365
    assert _run(late_4920, date(2026, 3, 1)) == []  # nothing owing since 15 Oct: nothing more, ever


def test_a_backdated_payment_credits_invoiced_interest_by_352_62(late_4920: Engine) -> None:
    with service_context(late_4920, date(2026, 2, 1)) as ctx:
        interest_invoice = bill_run(ctx).invoices[0]
    _pay(late_4920, "4920.00", date(2025, 10, 15), date(2026, 2, 15))
    assert _run(late_4920, date(2026, 2, 15)) == [("INV-000001", "credit_note", D("-352.62"))]
    with service_context(late_4920, date(2026, 2, 15)) as ctx:
        note = ctx.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).one()
        assert (note.total, note.corrects.number if note.corrects else None) == (
            D("352.62"), interest_invoice.number)
        assert "45.29 is due, 397.91 was raised" in (note.reason or "")
        reduction = ctx.session.scalars(select(InterestReduction)).one()
        assert (reduction.amount, reduction.credit_note_id) == (D("352.62"), note.id)
    assert _net_raised(late_4920, date(2026, 2, 15)) == D("45.29")
    assert _run(late_4920, date(2026, 2, 16)) == []


def test_waived_interest_stays_waived_when_the_history_changes(late_4920: Engine) -> None:
    with service_context(late_4920, date(2026, 2, 2)) as ctx:
        charge_id = ctx.session.scalars(select(Charge.id)).one()
        waive_interest(ctx, charge_id, "Goodwill")
    assert _run(late_4920, date(2026, 2, 1)) == []  # waived: not raised again
    _pay(late_4920, "4920.00", date(2025, 10, 15), date(2026, 2, 15))
    assert _run(late_4920, date(2026, 2, 15)) == []  # nothing to give back either


def test_a_run_for_an_earlier_day_takes_back_nothing_already_charged(late_4920: Engine) -> None:
    assert _run(late_4920, date(2026, 1, 1)) == []
    assert _net_raised(late_4920, date(2026, 2, 1)) == D("397.91")


def test_a_dry_run_reports_the_reduction_and_writes_nothing(late_4920: Engine) -> None:
    _pay(late_4920, "4920.00", date(2025, 10, 15), date(2026, 2, 15))
    with service_context(late_4920, date(2026, 2, 15)) as ctx:
        preview = run_interest(ctx, dry_run=True)
        assert preview.total == D("-352.62")
    assert _net_raised(late_4920, date(2026, 2, 15)) == D("397.91")


# --- the property: however money is recorded, interest = one recomputation of the history ---

ISSUED, DUE = date(2025, 9, 1), date(2025, 10, 1)
TOTAL = D("3000.00")


def _day(offset: int) -> date:
    return ISSUED + timedelta(days=offset)


@pytest.fixture
def engine_factory(db_url: str, tmp_path: Path, sqlite_template: Path) -> Callable[[], Engine]:
    """A fresh, empty database for each hypothesis example, on the backend of ``db_url``."""
    made = iter(range(10_000))

    def fresh() -> Engine:
        if db_url.startswith("sqlite"):
            target = tmp_path / f"example-{next(made)}.db"
            shutil.copy(sqlite_template, target)
            return make_engine(f"sqlite:///{target}")
        _truncate_all(db_url)
        return make_engine(db_url)

    return fresh


event = st.one_of(
    # a payment: amount in pence, received offset, recorded this many days later
    st.tuples(st.just("pay"), st.integers(1, 400_000), st.integers(0, 150), st.integers(0, 60)),
    # a credit note: share of what is left (percent), dated on its offset
    st.tuples(st.just("credit"), st.integers(1, 100), st.integers(0, 150), st.just(0)),
    # an interest run on its offset
    st.tuples(st.just("run"), st.just(0), st.integers(0, 200), st.just(0)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(event, min_size=1, max_size=7))
def test_interest_raised_equals_one_recomputation_whatever_the_recording_order(
        engine_factory: Callable[[], Engine], events: list[tuple[str, int, int, int]]) -> None:
    engine = engine_factory()
    number = _invoice(engine, str(TOTAL), ISSUED, DUE)
    history: list[BalanceChange] = []
    credited = D("0.00")
    last = ISSUED
    for kind, size, offset, delay in events:
        recorded = _day(offset + delay)
        last = max(last, recorded)
        if kind == "pay":
            amount = D(size) / 100
            _pay(engine, str(amount), _day(offset), recorded)
            history.append(BalanceChange(_day(offset), -amount))
        elif kind == "credit":
            amount = ((TOTAL - credited) * size / 100).quantize(D("0.01"))
            if amount > 0:
                _credit(engine, number, str(amount), recorded)
                credited += amount
                history.append(BalanceChange(recorded, -amount))
        else:
            _run(engine, recorded)
    final = last + timedelta(days=30)
    _run(engine, final)
    # Recomputed once, from the money as received (not as allocated), to the last day any run covered.
    expected = interest_due(TOTAL, DUE, history, DUE + timedelta(days=1), final).amount
    assert _net_raised(engine, final) == expected
    engine.dispose()
