"""Twelve weeks' notice, settlement, and cancelled orders (domain-rules.md §4)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.cancellation import (
    NOTICE_PERIOD,
    NOTICE_WEEKS,
    Cancellation,
    Settlement,
    check_cancellation,
    earliest_end,
    effective_end,
    order_cancellation_charge,
    settle,
    undelivered_refund,
)
from pricing.errors import InvalidInput, RuleViolation

D = Decimal


def test_twelve_weeks_is_84_days() -> None:
    assert NOTICE_WEEKS == 12
    assert NOTICE_PERIOD == timedelta(days=84)
    assert earliest_end(date(2020, 1, 6)) == date(2020, 3, 30)


# --- effective end ------------------------------------------------------------------------


def test_worked_example_notice_6_jan_requested_28_feb_ends_30_mar() -> None:
    assert effective_end(date(2020, 1, 6), date(2020, 2, 28)) == date(2020, 3, 30)


def test_a_requested_end_later_than_twelve_weeks_is_kept() -> None:
    assert effective_end(date(2020, 1, 6), date(2020, 7, 31)) == date(2020, 7, 31)


def test_a_requested_end_exactly_twelve_weeks_out_is_kept() -> None:
    assert effective_end(date(2020, 1, 6), date(2020, 3, 30)) == date(2020, 3, 30)


CONTRACT = (date(2019, 9, 1), date(2021, 8, 31))


def test_check_cancellation_worked_example() -> None:
    assert check_cancellation(*CONTRACT, date(2020, 1, 6), date(2020, 2, 28)) == Cancellation(
        notice_on=date(2020, 1, 6),
        requested_end=date(2020, 2, 28),
        effective_end=date(2020, 3, 30),
        capped_at_contract_end=False,
    )


def test_effective_end_past_the_contract_end_is_capped_there() -> None:
    result = check_cancellation(*CONTRACT, date(2021, 7, 1), date(2021, 7, 1))
    assert result.effective_end == date(2021, 8, 31)
    assert result.capped_at_contract_end


def test_effective_end_on_the_contract_end_is_not_capped() -> None:
    # 2021-06-08 + 84 days = 2021-08-31.
    result = check_cancellation(*CONTRACT, date(2021, 6, 8), date(2021, 6, 30))
    assert result.effective_end == date(2021, 8, 31)
    assert not result.capped_at_contract_end


def test_notice_on_the_first_and_last_days_of_the_contract_is_accepted() -> None:
    assert check_cancellation(*CONTRACT, date(2019, 9, 1), date(2019, 9, 1)).effective_end == date(2019, 11, 24)
    assert check_cancellation(*CONTRACT, date(2021, 8, 31), date(2021, 8, 31)).effective_end == date(2021, 8, 31)


def test_notice_before_the_contract_starts_is_refused() -> None:
    with pytest.raises(RuleViolation):
        check_cancellation(*CONTRACT, date(2019, 8, 31), date(2019, 12, 31))


def test_notice_after_the_contract_ended_is_refused() -> None:
    with pytest.raises(RuleViolation):
        check_cancellation(*CONTRACT, date(2021, 9, 1), date(2021, 12, 31))


def test_requested_end_before_the_notice_is_refused() -> None:
    with pytest.raises(InvalidInput):
        check_cancellation(*CONTRACT, date(2020, 1, 6), date(2020, 1, 5))


def test_contract_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput):
        check_cancellation(date(2020, 9, 1), date(2020, 8, 31), date(2020, 9, 1), date(2020, 9, 1))


# --- settlement ---------------------------------------------------------------------------


def test_shortfall_is_invoiced() -> None:
    assert settle(D("3000.00"), D("1500.00")) == Settlement("invoice", D("1500.00"))


def test_excess_is_credited() -> None:
    assert settle(D("2000.00"), D("3000.00")) == Settlement("credit_note", D("1000.00"))


def test_equal_settles_nothing() -> None:
    assert settle(D("3000.00"), D("3000.00")) == Settlement("none", D("0.00"))


def test_settlement_fixes_the_accrued_fee_half_up_before_the_difference() -> None:
    assert settle(D("1234.565"), D("1000.00")) == Settlement("invoice", D("234.57"))
    # A half penny of accrued fee rounds up whichever way the settlement goes.
    assert settle(D("999.995"), D("1000.00")) == Settlement("none", D("0.00"))
    assert settle(D("999.994"), D("1000.00")) == Settlement("credit_note", D("0.01"))
    assert settle(D("500.005"), D("1000.00")) == Settlement("credit_note", D("499.99"))


def test_worked_termly_cancellation_credits_the_overpaid_fee() -> None:
    # £4,500 for 2019/20 (366 days), billed termly at £1,500 on 1 Sep and 1 Jan.
    # Notice 2020-01-06 for 2020-02-28 ends it on 2020-03-30: 212 days accrue
    # (1 Sep–30 Mar inclusive), the 1 Apr instalment is never raised.
    end = effective_end(date(2020, 1, 6), date(2020, 2, 28))
    days = (end - date(2019, 9, 1)).days + 1
    assert days == 212
    accrued = D("4500.00") * days / 366
    assert settle(accrued, D("3000.00")) == Settlement("credit_note", D("393.44"))


def test_settlement_refuses_floats_and_negatives() -> None:
    with pytest.raises(InvalidInput):
        settle(3000.0, D("1.00"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        settle(D("1.00"), 1.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        settle(D("-1.00"), D("0.00"))


def test_settlement_kind_and_amount_must_agree() -> None:
    with pytest.raises(InvalidInput):
        Settlement("none", D("1.00"))
    with pytest.raises(InvalidInput):
        Settlement("invoice", D("0.00"))
    with pytest.raises(InvalidInput):
        Settlement("credit_note", D("-5.00"))
    with pytest.raises(InvalidInput):
        Settlement("refund", D("5.00"))  # type: ignore[arg-type]


# --- ordered products ---------------------------------------------------------------------

PRICE = D("450.00")
DELIVER = date(2020, 6, 1)
IN_TIME = date(2020, 3, 9)  # DELIVER - 84 days: exactly twelve weeks
LATE = date(2020, 3, 10)


def charge(
    notice_on: date = LATE,
    deliver_on: date | None = DELIVER,
    started: bool = False,
    costs: Decimal | None = None,
    by: str = "school",
) -> Decimal:
    return order_cancellation_charge(PRICE, notice_on, deliver_on, started, costs, by)  # type: ignore[arg-type]


def test_school_with_exactly_twelve_weeks_notice_pays_nothing() -> None:
    assert IN_TIME == DELIVER - timedelta(days=84)
    assert charge(notice_on=IN_TIME) == D("0.00")


def test_school_with_more_than_twelve_weeks_notice_pays_nothing() -> None:
    assert charge(notice_on=date(2020, 1, 2)) == D("0.00")


def test_school_a_day_short_of_twelve_weeks_pays_in_full() -> None:
    assert charge(notice_on=LATE) == D("450.00")


def test_late_cancellation_with_recorded_costs_pays_the_costs() -> None:
    assert charge(notice_on=LATE, costs=D("120.50")) == D("120.50")


def test_recorded_costs_are_capped_at_the_price() -> None:
    assert charge(notice_on=LATE, costs=D("600.00")) == D("450.00")


def test_recorded_costs_of_nothing_charge_nothing() -> None:
    assert charge(notice_on=LATE, costs=D("0.00")) == D("0.00")


def test_recorded_costs_do_not_apply_to_timely_notice() -> None:
    assert charge(notice_on=IN_TIME, costs=D("120.50")) == D("0.00")


def test_part_way_through_delivery_pays_in_full_whatever_the_notice() -> None:
    assert charge(notice_on=date(2020, 1, 2), started=True) == D("450.00")
    assert charge(notice_on=date(2020, 1, 2), started=True, costs=D("75.25")) == D("75.25")


def test_undated_order_not_started_costs_nothing_to_cancel() -> None:
    assert charge(deliver_on=None) == D("0.00")


def test_undated_order_part_delivered_pays_in_full() -> None:
    assert charge(deliver_on=None, started=True) == D("450.00")


def test_cancelled_by_the_service_costs_the_school_nothing() -> None:
    assert charge(notice_on=LATE, by="service") == D("0.00")
    assert charge(notice_on=LATE, started=True, costs=D("100.00"), by="service") == D("0.00")


def test_order_charge_refuses_bad_input() -> None:
    with pytest.raises(InvalidInput):
        charge(by="council")
    with pytest.raises(InvalidInput):
        charge(costs=D("-1.00"))
    with pytest.raises(InvalidInput):
        charge(costs=D("1.001"))
    with pytest.raises(InvalidInput):
        order_cancellation_charge(450.0, LATE, DELIVER, False, None, "school")  # type: ignore[arg-type]


# --- the service's refund of the undelivered part -----------------------------------------


def test_refund_of_one_session_delivered_of_three() -> None:
    assert undelivered_refund(D("1000.00"), 3, 1) == D("666.67")


def test_refund_of_two_sessions_delivered_of_three() -> None:
    assert undelivered_refund(D("1000.00"), 3, 2) == D("333.33")


def test_refund_of_nothing_delivered_is_the_whole_price() -> None:
    assert undelivered_refund(D("1000.00"), 3, 0) == D("1000.00")


def test_refund_of_everything_delivered_is_nothing() -> None:
    assert undelivered_refund(D("1000.00"), 3, 3) == D("0.00")


def test_refund_rounds_a_half_penny_up() -> None:
    assert undelivered_refund(D("0.05"), 2, 1) == D("0.03")


def test_refund_by_fractional_units() -> None:
    assert undelivered_refund(D("900.00"), D("3"), D("1.5")) == D("450.00")


def test_refund_refuses_bad_units() -> None:
    with pytest.raises(InvalidInput):
        undelivered_refund(D("100.00"), 0, 0)
    with pytest.raises(InvalidInput):
        undelivered_refund(D("100.00"), 3, 4)
    with pytest.raises(InvalidInput):
        undelivered_refund(D("100.00"), 3, -1)
    with pytest.raises(InvalidInput):
        undelivered_refund(D("100.00"), 3.0, 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        undelivered_refund(D("100.00"), True, 0)


# --- properties ---------------------------------------------------------------------------

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
prices = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
optional_costs = st.none() | prices


@given(notice=days, extra=st.integers(min_value=0, max_value=400))
def test_effective_end_is_never_before_twelve_weeks_or_the_request(notice: date, extra: int) -> None:
    requested = notice + timedelta(days=extra)
    end = effective_end(notice, requested)
    assert end >= notice + timedelta(days=84)
    assert end >= requested
    assert end in (requested, notice + timedelta(days=84))


@given(
    price=prices,
    notice=days,
    deliver=st.none() | days,
    started=st.booleans(),
    costs=optional_costs,
    by=st.sampled_from(["school", "service"]),
)
def test_order_charge_is_between_nothing_and_the_price(
    price: Decimal, notice: date, deliver: date | None, started: bool, costs: Decimal | None, by: str
) -> None:
    result = order_cancellation_charge(price, notice, deliver, started, costs, by)  # type: ignore[arg-type]
    assert D("0") <= result <= price
    if by == "service":
        assert result == 0
    if by == "school" and not started and deliver is not None:
        if notice <= deliver - timedelta(days=84):
            assert result == 0
        else:
            assert result == (price if costs is None else min(costs, price))


@given(price=prices, total=st.integers(min_value=1, max_value=50), data=st.data())
def test_refund_is_within_the_price_and_shrinks_as_more_is_delivered(
    price: Decimal, total: int, data: st.DataObject
) -> None:
    delivered = data.draw(st.integers(min_value=0, max_value=total))
    refund = undelivered_refund(price, total, delivered)
    assert D("0") <= refund <= price
    assert refund == refund.quantize(D("0.01"))
    if delivered < total:
        assert undelivered_refund(price, total, delivered + 1) <= refund
    assert undelivered_refund(price, total, 0) == price
    assert undelivered_refund(price, total, total) == 0


@given(
    accrued=st.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False),
    invoiced=prices,
)
def test_settlement_squares_the_account_to_the_penny(accrued: Decimal, invoiced: Decimal) -> None:
    result = settle(accrued, invoiced)
    signed = {"invoice": result.amount, "credit_note": -result.amount, "none": D("0")}[result.kind]
    assert abs(invoiced + signed - accrued) <= D("0.005")
    assert result.amount >= 0
