"""Orders: entitlement cover, catalogue prices and late cancellation (domain-rules §2, §4, §6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.cancellations import cancel_order
from billing.charges import is_invoiced
from billing.invoicing import issue_invoice
from billing.models import Case, Charge
from billing.orders import add_order
from billing.schools import get_school
from billing.subscriptions import add_subscription
from pricing.errors import InvalidInput, NotFound, RuleViolation
from tests.billing.test_subscriptions import ACADEMY, MAINTAINED, SETUP, setup_book
from tests.support import service_context, table_dump


def charge(ctx, key: str) -> Charge | None:  # type: ignore[no-untyped-def]
    return ctx.session.scalar(select(Charge).where(Charge.source_key == key))


def test_units_beyond_the_entitlement_are_charged_at_catalogue_prices(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        add_subscription(ctx, ACADEMY, "initial", date(2019, 9, 1))  # one training place included
        first = add_order(ctx, ACADEMY, "cpd_place", 2, date(2019, 11, 12))
        assert (first.covered, first.price, first.unit_price, first.academic_year) == (
            False, Decimal("95.00"), Decimal("95.00"), 2019)
        c = charge(ctx, f"order/{first.id}")
        assert c is not None
        assert (c.kind, c.amount, c.quantity, c.due_on, c.vat_code, c.order_id, c.service_code) == (
            "order", Decimal("95.00"), Decimal("1.00"), date(2019, 11, 12), "E", first.id, "training")
        second = add_order(ctx, ACADEMY, "cpd_place", 1, date(2019, 12, 3))
        assert (second.covered, second.price) == (False, Decimal("95.00"))
        # Entitlements reset each academic year (§3).
        third = add_order(ctx, ACADEMY, "cpd_place", 1, date(2020, 9, 20))
        assert (third.covered, third.price) == (True, Decimal("0.00"))
        assert charge(ctx, f"order/{third.id}") is None


def test_premium_covers_three_whole_class_blocks_and_charges_the_fourth(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1))
        assert add_order(ctx, ACADEMY, "whole_class_block", 3, date(2019, 10, 1)).covered is True
        fourth = add_order(ctx, ACADEMY, "whole_class_block", 1, date(2020, 2, 1))
        assert (fourth.covered, fourth.price) == (False, Decimal("1350.00"))
        assert charge(ctx, f"order/{fourth.id}").vat_code == "S"  # type: ignore[union-attr]


def test_without_a_subscription_everything_is_charged(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        order = add_order(ctx, MAINTAINED, "team_teach_place", 2, date(2020, 9, 5))
        # 2020/21 price: 185.00 a place; own maintained school: outside the scope of VAT.
        assert (order.covered, order.price, order.subscription_id) == (False, Decimal("370.00"), None)
        assert charge(ctx, f"order/{order.id}").vat_code == "O"  # type: ignore[union-attr]


def test_covered_cases_use_up_the_casework_entitlement(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, ACADEMY, "initial", date(2019, 9, 1))
        ctx.session.add(Case(school_id=sub.school_id, subscription_id=sub.id, ref="C-0001", academic_year=2019,
                             referred_on=date(2019, 9, 10), covered=True, created_at=ctx.now))
        ctx.session.flush()
        order = add_order(ctx, ACADEMY, "casework_day", 2, date(2019, 10, 1))
        assert (order.covered, order.price) == (False, Decimal("1080.00"))


def test_no_order_date_means_due_on_the_order_date(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, date(2019, 10, 3)) as ctx:
        order = add_order(ctx, ACADEMY, "coaching_session")
        assert charge(ctx, f"order/{order.id}").due_on == date(2019, 10, 3)  # type: ignore[union-attr]


@pytest.mark.parametrize("item, qty, exc, code", [
    ("gold_star", 1, NotFound, "unknown_item"),
    ("cpd_place", 0, InvalidInput, "bad_quantity"),
])
def test_bad_orders_are_refused_and_write_nothing(engine: Engine, item: str, qty: int, exc: type, code: str) -> None:
    setup_book(engine)
    before = table_dump(engine)
    with pytest.raises(exc) as err, service_context(engine, SETUP) as ctx:
        add_order(ctx, ACADEMY, item, qty, date(2019, 10, 1))
    assert err.value.code == code
    assert table_dump(engine) == before


def _block(engine: Engine, urn: str = ACADEMY) -> int:
    """A whole-class block (1350.00) for delivery on 2 Mar 2020; twelve weeks before is 9 Dec 2019."""
    with service_context(engine, SETUP) as ctx:
        return add_order(ctx, urn, "whole_class_block", 1, date(2020, 3, 2)).id


def test_a_late_cancelled_order_is_charged_in_full(engine: Engine) -> None:
    setup_book(engine)
    order_id = _block(engine)
    with service_context(engine, date(2020, 1, 20)) as ctx:
        done = cancel_order(ctx, order_id, date(2020, 1, 20))
        assert done.charge == Decimal("1350.00")
        assert charge(ctx, f"order/{order_id}").status == "withdrawn"  # type: ignore[union-attr]
        replacement = charge(ctx, f"order/{order_id}/cancel")
        assert replacement is not None
        assert (replacement.amount, replacement.due_on, replacement.vat_code, replacement.kind) == (
            Decimal("1350.00"), date(2020, 1, 20), "S", "order")
        assert (done.order.status, done.order.cancelled_by, done.order.notice_on) == (
            "cancelled", "school", date(2020, 1, 20))


def test_a_late_cancelled_order_with_recorded_costs_is_charged_the_costs_capped_at_the_price(engine: Engine) -> None:
    setup_book(engine)
    order_id, capped_id = _block(engine), _block(engine)
    with service_context(engine, date(2020, 1, 20)) as ctx:
        assert cancel_order(ctx, order_id, date(2020, 1, 20), Decimal("400.00")).charge == Decimal("400.00")
        assert charge(ctx, f"order/{order_id}/cancel").amount == Decimal("400.00")  # type: ignore[union-attr]
        assert cancel_order(ctx, capped_id, date(2020, 1, 20), Decimal("2000.00")).charge == Decimal("1350.00")


def test_twelve_weeks_notice_cancels_an_order_free(engine: Engine) -> None:
    setup_book(engine)
    order_id = _block(engine)
    with service_context(engine, date(2019, 12, 9)) as ctx:
        done = cancel_order(ctx, order_id, date(2019, 12, 9))
        assert (done.charge, done.charge_record) == (Decimal("0.00"), None)
        assert charge(ctx, f"order/{order_id}").status == "withdrawn"  # type: ignore[union-attr]
        assert charge(ctx, f"order/{order_id}/cancel") is None


def test_an_invoiced_late_cancellation_at_lower_costs_credits_the_difference(engine: Engine) -> None:
    setup_book(engine)
    order_id = _block(engine)
    with service_context(engine, date(2020, 1, 2)) as ctx:
        original = charge(ctx, f"order/{order_id}")
        invoice = issue_invoice(ctx, get_school(ctx, ACADEMY), [original])  # type: ignore[list-item]
        assert invoice.total == Decimal("1620.00")
    with service_context(engine, date(2020, 1, 20)) as ctx:
        done = cancel_order(ctx, order_id, date(2020, 1, 20), Decimal("400.00"))
        assert done.charge == Decimal("400.00")
        [note] = done.credit_notes
        assert (note.net, note.vat, note.total) == (Decimal("950.00"), Decimal("190.00"), Decimal("1140.00"))
        assert charge(ctx, f"order/{order_id}").status == "due"  # type: ignore[union-attr]


def test_service_side_cancellation_refunds_the_undelivered_part_by_credit_note(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, date(2019, 10, 1)) as ctx:
        order = add_order(ctx, ACADEMY, "team_teach_place", 3, date(2019, 11, 1))
        order_id = order.id
        invoice = issue_invoice(ctx, get_school(ctx, ACADEMY), [charge(ctx, f"order/{order_id}")])  # type: ignore[list-item]
        assert invoice.total == Decimal("540.00")  # training is exempt
    with service_context(engine, date(2019, 11, 2)) as ctx:
        done = cancel_order(ctx, order_id, date(2019, 11, 2), by="service", delivered_units=1)
        assert done.charge == Decimal("180.00")
        [note] = done.credit_notes
        assert (note.kind, note.total, note.corrects_id) == ("credit_note", Decimal("360.00"), invoice.id)
        assert is_invoiced(ctx, charge(ctx, f"order/{order_id}"))  # type: ignore[arg-type]


def test_service_side_cancellation_before_invoicing_withdraws_the_charge(engine: Engine) -> None:
    setup_book(engine)
    order_id = _block(engine)
    with service_context(engine, date(2020, 2, 1)) as ctx:
        done = cancel_order(ctx, order_id, date(2020, 2, 1), by="service")
        assert (done.charge, done.credit_notes) == (Decimal("0.00"), [])
        assert charge(ctx, f"order/{order_id}").status == "withdrawn"  # type: ignore[union-attr]


def test_bad_order_cancellations_are_refused(engine: Engine) -> None:
    setup_book(engine)
    order_id = _block(engine)
    before = table_dump(engine)
    for kwargs, exc in [({"notice_on": date(2019, 7, 1)}, RuleViolation),
                        ({"notice_on": date(2020, 1, 1), "costs": Decimal("-1.00")}, InvalidInput),
                        ({"notice_on": date(2020, 1, 1), "by": "service", "costs": Decimal("5.00")}, InvalidInput)]:
        with pytest.raises(exc), service_context(engine, date(2020, 1, 1)) as ctx:
            cancel_order(ctx, order_id, **kwargs)  # type: ignore[arg-type]
    assert table_dump(engine) == before
    with service_context(engine, date(2020, 1, 1)) as ctx:
        cancel_order(ctx, order_id, date(2020, 1, 1))
        with pytest.raises(RuleViolation, match="already cancelled"):
            cancel_order(ctx, order_id, date(2020, 1, 2))
