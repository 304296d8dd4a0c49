"""Late-payment interest runs, end to end on the database (domain-rules §8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.interest_run import run_interest, waive_interest
from billing.models import Charge
from billing.payments import record_payment
from pricing.errors import InvalidInput, NotFound, RuleViolation
from tests.billing.test_payments import make_credit_note, make_invoice, setup_ledger
from tests.support import service_context

D = Decimal


@pytest.fixture
def late(engine: Engine) -> Engine:
    """The rules' example: £4,500.00 due 2019-10-31 (INV-000001), for an academy."""
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "maintained"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))
    return engine


def run(engine: Engine, on: date) -> list[tuple[str, int, Decimal]]:
    with service_context(engine, on) as ctx:
        return [(c.invoice, c.days, c.amount) for c in run_interest(ctx).charges]


def pay(engine: Engine, amount: str, on: date, urn: str = "100001") -> None:
    with service_context(engine, on) as ctx:
        record_payment(ctx, urn, D(amount), on, "bacs")


def test_the_worked_example_133_15(late: Engine) -> None:
    pay(late, "4500.00", date(2019, 12, 15))
    assert run(late, date(2019, 12, 31)) == [("INV-000001", 45, D("133.15"))]
    with service_context(late, date(2019, 12, 31)) as ctx:
        charge = ctx.session.scalars(select(Charge).where(Charge.kind == "interest")).one()
        assert (charge.amount, charge.vat_code, charge.period_start, charge.period_end, charge.due_on) == (
            D("133.15"), "O", date(2019, 11, 1), date(2019, 12, 31), date(2019, 12, 31))
        assert charge.source_key == "interest/INV-000001/2019-11-01/2019-12-31"
        assert charge.late_invoice_id is not None


def test_a_part_payment_mid_way_changes_the_balance(late: Engine) -> None:
    # 4500.00 for 1..30 Nov (30 days, paid 2000.00 on 30 Nov), then 2500.00 for 1..15 Dec (15 days).
    pay(late, "2000.00", date(2019, 11, 30))
    pay(late, "2500.00", date(2019, 12, 15))
    # (4500 × 30 + 2500 × 15) × 0.24 / 365 = 172500 × 0.24 / 365 = 113.4246… → 113.42
    assert run(late, date(2019, 12, 31)) == [("INV-000001", 45, D("113.42"))]


def test_a_credit_note_reduces_the_balance_from_the_next_day(late: Engine) -> None:
    with service_context(late, date(2019, 11, 10)) as ctx:
        inv = ctx.session.scalars(select(Charge)).all()
        assert inv == []
        from billing.models import Invoice
        invoice = ctx.session.scalars(select(Invoice)).one()
        make_credit_note(ctx, invoice, "4500.00", date(2019, 11, 10))
    # 10 days on 4500.00: 4500 × 0.24 × 10 / 365 = 29.589… → 29.59
    assert run(late, date(2019, 12, 31)) == [("INV-000001", 10, D("29.59"))]


def test_payment_on_the_due_date_earns_no_interest(late: Engine) -> None:
    pay(late, "4500.00", date(2019, 10, 31))
    assert run(late, date(2019, 12, 31)) == []
    with service_context(late, date(2019, 12, 31)) as ctx:
        assert ctx.session.scalars(select(Charge)).all() == []


def test_a_leap_year_span_still_divides_by_365(engine: Engine) -> None:
    with service_context(engine, date(2020, 1, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
        make_invoice(ctx, "100001", "1000.00", date(2020, 1, 1), date(2020, 2, 27))
    pay(engine, "1000.00", date(2020, 3, 2))
    # 28 Feb, 29 Feb, 1 Mar, 2 Mar = 4 days: 1000 × 0.24 × 4 / 365 = 2.630… → 2.63
    assert run(engine, date(2020, 3, 31)) == [("INV-000001", 4, D("2.63"))]


def test_a_repeated_run_charges_nothing_new_and_a_later_run_only_new_days(late: Engine) -> None:
    assert run(late, date(2019, 11, 30)) == [("INV-000001", 30, D("88.77"))]  # 4500×.24×30/365 = 88.767
    assert run(late, date(2019, 11, 30)) == []
    assert run(late, date(2019, 12, 10)) == [("INV-000001", 10, D("29.59"))]
    pay(late, "4500.00", date(2019, 12, 15))
    assert run(late, date(2019, 12, 31)) == [("INV-000001", 5, D("14.79"))]  # 11..15 Dec: 14.794
    assert run(late, date(2020, 1, 31)) == []
    with service_context(late, date(2020, 1, 31)) as ctx:
        charges = ctx.session.scalars(select(Charge).order_by(Charge.id)).all()
        # Not billed in between, each run folds the earlier charge into one for the whole stretch,
        # so the interest invoice will carry one line for INV-000001.
        assert [(c.status, c.period_start, c.period_end, c.amount) for c in charges] == [
            ("withdrawn", date(2019, 11, 1), date(2019, 11, 30), D("88.77")),
            ("withdrawn", date(2019, 11, 1), date(2019, 12, 10), D("118.36")),
            ("due", date(2019, 11, 1), date(2019, 12, 31), D("133.15"))]
        # 45 days charged in three runs: 88.77 + 29.59 + 14.79 = 133.15, as the single-run example
        assert charges[-1].detail is not None and charges[-1].detail["days"] == 45
        assert charges[-1].description == (
            "Late-payment interest on INV-000001 (due 2019-10-31): 45 days on £4,500.00 at 24% a year")


def test_interest_billed_between_runs_is_not_folded(late: Engine) -> None:
    from billing.bill_run import bill_run
    from billing.numbering import next_number

    assert run(late, date(2019, 11, 30)) == [("INV-000001", 30, D("88.77"))]
    with service_context(late, date(2019, 11, 30)) as ctx:
        next_number(ctx, "INV", "INV")  # the fixture's hand-made INV-000001 took the first number
        assert bill_run(ctx).count == 1
    assert run(late, date(2019, 12, 10)) == [("INV-000001", 10, D("29.59"))]
    with service_context(late, date(2019, 12, 10)) as ctx:
        charges = ctx.session.scalars(select(Charge).order_by(Charge.id)).all()
        assert [(c.status, c.period_start, c.period_end, c.amount) for c in charges] == [
            ("due", date(2019, 11, 1), date(2019, 11, 30), D("88.77")),
            ("due", date(2019, 12, 1), date(2019, 12, 10), D("29.59"))]


def test_interest_only_invoices_and_own_maintained_schools_earn_nothing(late: Engine) -> None:
    with service_context(late, date(2019, 10, 1)) as ctx:
        make_invoice(ctx, "100001", "133.15", date(2019, 10, 1), date(2019, 10, 31), interest_only=True)
        make_invoice(ctx, "100002", "1000.00", date(2019, 10, 1), date(2019, 10, 31))
    assert [c[0] for c in run(late, date(2019, 12, 31))] == ["INV-000001"]


def test_own_maintained_schools_are_charged_when_the_policy_says_so(late: Engine) -> None:
    from billing.pricebooks import load_pricebook
    from pricing.pricebook import sample_pricebook_text

    with service_context(late, date(2019, 10, 1)) as ctx:
        text = sample_pricebook_text().replace("charge_own_maintained = false", "charge_own_maintained = true")
        load_pricebook(ctx, text)
        make_invoice(ctx, "100002", "1000.00", date(2019, 10, 1), date(2019, 10, 31))
    assert sorted(c[0] for c in run(late, date(2019, 11, 30))) == ["INV-000001", "INV-000002"]


def test_amounts_rounding_to_nothing_are_skipped_and_charged_later(engine: Engine) -> None:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
        make_invoice(ctx, "100001", "2.00", date(2019, 10, 1), date(2019, 10, 31))
    assert run(engine, date(2019, 11, 1)) == []  # 2 × .24 / 365 = 0.0013 → 0.00
    assert run(engine, date(2019, 11, 4)) == [("INV-000001", 4, D("0.01"))]  # 1..4 Nov: 0.0053


def test_unbilled_interest_is_waived_with_a_reason(late: Engine) -> None:
    run(late, date(2019, 11, 30))
    with service_context(late, date(2019, 12, 1)) as ctx:
        charge_id = ctx.session.scalars(select(Charge.id)).one()
        with pytest.raises(InvalidInput):
            waive_interest(ctx, charge_id, " ")
        waiver = waive_interest(ctx, charge_id, "Goodwill: delayed by our error")
        assert (waiver.outcome, waiver.amount) == ("waived", D("88.77"))
        assert ctx.session.get(Charge, charge_id).status == "waived"  # type: ignore[union-attr]
        with pytest.raises(RuleViolation):
            waive_interest(ctx, charge_id, "again")
        with pytest.raises(NotFound):
            waive_interest(ctx, 9999, "no such charge")
    # the waived days are not charged again
    assert run(late, date(2019, 12, 10)) == [("INV-000001", 10, D("29.59"))]


def test_an_interest_run_cannot_look_ahead(late: Engine) -> None:
    with service_context(late, date(2019, 11, 30)) as ctx:
        with pytest.raises(RuleViolation):
            run_interest(ctx, date(2019, 12, 1))
