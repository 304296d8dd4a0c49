"""Billable days and day-rate charges for casework (domain-rules.md §2, §6)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.daycharge import HALF_DAY, billable_days, day_rate_charge, day_rate_value
from pricing.errors import InvalidInput
from pricing.money import from_pence

D = Decimal


@pytest.mark.parametrize(
    ("hours", "per_day", "increment", "days"),
    [
        ("0", "7.5", "0.5", "0"),  # nothing worked, nothing billed
        ("0.25", "7.5", "0.5", "0.5"),  # any work at all is at least one increment
        ("3.75", "7.5", "0.5", "0.5"),  # exactly half a day stays half a day
        ("3.76", "7.5", "0.5", "1"),  # a minute over goes up to the next half day
        ("7.5", "7.5", "0.5", "1"),  # exactly a day: no rounding slip up to 1.5
        ("7.6", "7.5", "0.5", "1.5"),
        ("22.5", "7.5", "0.5", "3"),
        ("7.4", "7.4", "0.5", "1"),  # 7.4 is not a binary fraction: still exact
        ("1", "7.5", "0.25", "0.25"),
        ("8", "7.5", "1", "2"),
        ("10", "6", "0.5", "2"),  # 1.666… days → 2
    ],
)
def test_billable_days_round_up_to_the_increment(hours: str, per_day: str, increment: str, days: str) -> None:
    assert billable_days(D(hours), D(per_day), D(increment)) == D(days)


def test_billable_days_default_increment_is_half_a_day() -> None:
    assert HALF_DAY == D("0.5")
    assert billable_days(D("1"), D("7.5")) == D("0.5")


def test_day_rate_charge_is_billable_days_times_the_rate() -> None:
    # 7.6 hours at 7.5 hours a day → 1.5 billable days × £450.00 = £675.00.
    assert day_rate_charge(D("7.6"), D("7.5"), D("0.5"), D("450.00")) == D("675.00")
    assert day_rate_charge(D("0"), D("7.5"), D("0.5"), D("450.00")) == D("0.00")
    # A quarter-day increment: 1 hour → 0.25 day × £455.55 = £113.8875 → £113.89 half up.
    assert day_rate_charge(D("1"), D("7.5"), D("0.25"), D("455.55")) == D("113.89")


def test_day_rate_value_does_not_round_the_days_up() -> None:
    # 7.6 ÷ 7.5 × £450.00 = £456.00 (the charge would be £675.00 for 1.5 days).
    assert day_rate_value(D("7.6"), D("7.5"), D("450.00")) == D("456.00")
    # 1 ÷ 7.5 × £455.00 = £60.666… → £60.67.
    assert day_rate_value(D("1"), D("7.5"), D("455.00")) == D("60.67")
    # 1 ÷ 8 × £0.20 = £0.025 exactly → £0.03 half up.
    assert day_rate_value(D("1"), D("8"), D("0.20")) == D("0.03")


@pytest.mark.parametrize(
    ("hours", "per_day", "increment"),
    [
        (D("-1"), D("7.5"), D("0.5")),
        (D("1"), D("0"), D("0.5")),
        (D("1"), D("7.5"), D("0")),
        (D("1"), D("-7.5"), D("0.5")),
        (1.5, D("7.5"), D("0.5")),  # a float
        (D("NaN"), D("7.5"), D("0.5")),
    ],
)
def test_billable_days_refuses_bad_quantities(hours: Decimal, per_day: Decimal, increment: Decimal) -> None:
    with pytest.raises(InvalidInput):
        billable_days(hours, per_day, increment)


def test_day_rates_refuse_fractions_of_a_penny_and_negative_rates() -> None:
    for rate in (D("450.001"), D("-450.00")):
        with pytest.raises(InvalidInput):
            day_rate_charge(D("1"), D("7.5"), D("0.5"), rate)
        with pytest.raises(InvalidInput):
            day_rate_value(D("1"), D("7.5"), rate)


hours = st.integers(min_value=0, max_value=100_000).map(lambda n: D(n) / 100)
per_day = st.sampled_from([D("6"), D("7"), D("7.4"), D("7.5"), D("8")])
increments = st.sampled_from([D("0.25"), D("0.5"), D("1")])
rates = st.integers(min_value=0, max_value=200_000).map(from_pence)


@given(hours, per_day, increments, rates)
def test_billable_days_are_the_least_multiple_of_the_increment_covering_the_hours(
    worked: Decimal, day: Decimal, step: Decimal, rate: Decimal
) -> None:
    days = billable_days(worked, day, step)
    exact = Fraction(worked) / Fraction(day)
    assert Fraction(days) % Fraction(step) == 0
    assert exact <= Fraction(days) < exact + Fraction(step)
    assert day_rate_charge(worked, day, step, rate) >= day_rate_value(worked, day, rate)


@given(hours, hours, per_day, increments)
def test_billable_days_are_monotone_in_hours(a: Decimal, b: Decimal, day: Decimal, step: Decimal) -> None:
    low, high = sorted((a, b))
    assert billable_days(low, day, step) <= billable_days(high, day, step)
