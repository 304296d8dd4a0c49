"""Late-payment interest: 24% a year simple, daily, 365-day basis (domain-rules.md §8)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import InvalidInput
from pricing.interest import (
    BalanceChange,
    ContractualInterest,
    InterestResult,
    Stretch,
    interest_due,
    interest_stretches,
)
from pricing.money import from_pence

D = Decimal
DUE = date(2019, 10, 31)
DAY = timedelta(days=1)


def paid(on: date, amount: str) -> BalanceChange:
    return BalanceChange(on, -D(amount))


def test_worked_example_4500_due_31_october_paid_15_december() -> None:
    # Days after the due date up to and including the payment date: 1 Nov..15 Dec
    # = 30 + 15 = 45 days. 4500 × 0.24 × 45 ÷ 365 = 133.1506… → £133.15.
    got = interest_due(D("4500.00"), DUE, [paid(date(2019, 12, 15), "4500.00")], DUE + DAY, date(2020, 1, 31))
    assert got == InterestResult(
        days=45,
        amount=D("133.15"),
        stretches=[Stretch(date(2019, 11, 1), date(2019, 12, 15), 45, D("4500.00"), D("133.1506849315"))],
    )


def test_the_payment_day_counts_and_the_due_day_does_not() -> None:
    one_day = interest_due(D("4500.00"), DUE, [paid(date(2019, 11, 1), "4500.00")], DUE + DAY, date(2020, 1, 31))
    # Paid the day after the due date: one day, 4500 × 0.24 ÷ 365 = 2.9589… → £2.96.
    assert (one_day.days, one_day.amount) == (1, D("2.96"))


@pytest.mark.parametrize("on", [DUE, DUE - timedelta(days=10)])
def test_paying_by_the_due_date_earns_nothing(on: date) -> None:
    got = interest_due(D("4500.00"), DUE, [paid(on, "4500.00")], DUE + DAY, date(2020, 6, 1))
    assert got == InterestResult(0, D("0.00"), [])


def test_part_payment_makes_two_stretches_each_on_its_own_balance() -> None:
    # £2,000.00 paid 20 Nov, the rest (£2,500.00) on 15 Dec.
    #   1..20 Nov (20 days) on 4500.00: 4500 × 0.24 × 20 ÷ 365 = 59.1780…
    #  21 Nov..15 Dec (25 days) on 2500.00: 2500 × 0.24 × 25 ÷ 365 = 41.0958…
    #   total 100.2739… → £100.27, fixed once (not 59.18 + 41.10 = 100.28).
    changes = [paid(date(2019, 11, 20), "2000.00"), paid(date(2019, 12, 15), "2500.00")]
    got = interest_due(D("4500.00"), DUE, changes, DUE + DAY, date(2020, 1, 31))
    assert got.days == 45
    assert got.amount == D("100.27")
    assert got.stretches == [
        Stretch(date(2019, 11, 1), date(2019, 11, 20), 20, D("4500.00"), D("59.1780821918")),
        Stretch(date(2019, 11, 21), date(2019, 12, 15), 25, D("2500.00"), D("41.0958904110")),
    ]


def test_leap_year_counts_29_february_but_still_divides_by_365() -> None:
    # Due 31 Jan 2020, paid 31 Mar 2020: 1 Feb..31 Mar = 29 + 31 = 60 days.
    # 1000 × 0.24 × 60 ÷ 365 = 39.4520… → £39.45 (a 366 basis would give £39.34).
    got = interest_due(D("1000.00"), date(2020, 1, 31), [paid(date(2020, 3, 31), "1000.00")], date(2020, 2, 1),
                       date(2020, 12, 31))
    assert (got.days, got.amount) == (60, D("39.45"))
    other_basis = interest_due(D("1000.00"), date(2020, 1, 31), [paid(date(2020, 3, 31), "1000.00")],
                               date(2020, 2, 1), date(2020, 12, 31), basis_days=366)
    assert other_basis.amount == D("39.34")


def test_unpaid_balance_accrues_up_to_and_including_the_as_of_date() -> None:
    # Nothing paid; as of 30 Nov: 1..30 Nov = 30 days. 1080 × 30 ÷ 365 = 88.767… → £88.77.
    got = interest_due(D("4500.00"), DUE, [], DUE + DAY, date(2019, 11, 30))
    assert (got.days, got.amount) == (30, D("88.77"))


def test_consecutive_runs_charge_only_new_days_and_each_is_rounded_once() -> None:
    whole = interest_due(D("4500.00"), DUE, [], DUE + DAY, date(2019, 12, 15))
    assert (whole.days, whole.amount) == (45, D("133.15"))
    # Runs on 30 Nov then 15 Dec: 88.77 (30 days: 88.767…) + 44.38 (15 days: 44.383…) = 133.15.
    first = interest_due(D("4500.00"), DUE, [], DUE + DAY, date(2019, 11, 30))
    second = interest_due(D("4500.00"), DUE, [], date(2019, 12, 1), date(2019, 12, 15))
    assert (first.amount, second.amount) == (D("88.77"), D("44.38"))
    assert first.days + second.days == 45
    # Runs on 4 Nov then 15 Dec: each run is fixed on its own, so they can differ from the
    # single range by a penny: 11.84 (4 days: 11.835…) + 121.32 (41 days: 121.315…) = 133.16.
    early = interest_due(D("4500.00"), DUE, [], DUE + DAY, date(2019, 11, 4))
    late = interest_due(D("4500.00"), DUE, [], date(2019, 11, 5), date(2019, 12, 15))
    assert (early.amount, late.amount) == (D("11.84"), D("121.32"))


def test_from_day_before_the_due_date_still_starts_the_day_after_it() -> None:
    got = interest_due(D("4500.00"), DUE, [], date(2019, 10, 1), date(2019, 11, 30))
    assert got.stretches[0].start == date(2019, 11, 1) and got.days == 30


def test_a_range_that_ends_before_it_starts_is_empty() -> None:
    assert interest_due(D("4500.00"), DUE, [], date(2019, 12, 1), date(2019, 11, 30)) == InterestResult(
        0, D("0.00"), []
    )


def test_overpaid_or_zero_balance_days_accrue_nothing() -> None:
    # Overpaid on 10 Nov, then a 50.00 debit adjustment on 20 Nov leaves 50.00 owing from 21 Nov.
    changes = [paid(date(2019, 11, 10), "4600.00"), BalanceChange(date(2019, 11, 20), D("150.00"))]
    got = interest_stretches(D("4500.00"), DUE, changes, DUE + DAY, date(2019, 11, 30))
    assert [(s.start, s.end, s.days, s.balance) for s in got] == [
        (date(2019, 11, 1), date(2019, 11, 10), 10, D("4500.00")),
        (date(2019, 11, 21), date(2019, 11, 30), 10, D("50.00")),
    ]


def test_changes_on_one_day_are_combined_and_changes_that_cancel_leave_one_stretch() -> None:
    changes = [paid(date(2019, 11, 10), "100.00"), BalanceChange(date(2019, 11, 10), D("100.00")),
               paid(date(2019, 11, 20), "500.00"), paid(date(2019, 11, 20), "500.00")]
    got = interest_stretches(D("4500.00"), DUE, changes, DUE + DAY, date(2019, 11, 30))
    assert [(s.start, s.end, s.balance) for s in got] == [
        (date(2019, 11, 1), date(2019, 11, 20), D("4500.00")),
        (date(2019, 11, 21), date(2019, 11, 30), D("3500.00")),
    ]


def test_part_payment_before_the_due_date_lowers_the_balance_from_the_start() -> None:
    got = interest_due(D("4500.00"), DUE, [paid(date(2019, 10, 15), "1000.00")], DUE + DAY, date(2019, 11, 30))
    # 3500 × 0.24 × 30 ÷ 365 = 69.041… → £69.04.
    assert got.stretches[0].balance == D("3500.00") and got.amount == D("69.04")


def test_contractual_policy_is_24_percent_on_365_days() -> None:
    policy = ContractualInterest()
    assert (policy.annual_rate_percent, policy.basis_days) == (D("24"), 365)
    got = policy.due(D("4500.00"), DUE, [paid(date(2019, 12, 15), "4500.00")], DUE + DAY, date(2019, 12, 31))
    assert got.amount == D("133.15")


def test_refuses_bad_inputs() -> None:
    with pytest.raises(InvalidInput):
        interest_due(D("-1.00"), DUE, [], DUE + DAY, date(2019, 12, 1))
    with pytest.raises(InvalidInput):
        interest_due(4500.0, DUE, [], DUE + DAY, date(2019, 12, 1))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        interest_due(D("1.00"), DUE, [BalanceChange(DUE, D("0.001"))], DUE + DAY, date(2019, 12, 1))
    with pytest.raises(InvalidInput):
        interest_due(D("1.00"), DUE, [], DUE + DAY, date(2019, 12, 1), annual_rate_percent=D("-1"))
    with pytest.raises(InvalidInput):
        interest_due(D("1.00"), DUE, [], DUE + DAY, date(2019, 12, 1), basis_days=0)


# --- properties ------------------------------------------------------------------

amounts = st.integers(min_value=1, max_value=2_000_000).map(from_pence)
offsets = st.integers(min_value=-40, max_value=400)
changes_st = st.lists(
    st.tuples(offsets, st.integers(min_value=-2_000_000, max_value=500_000).map(from_pence)), max_size=6
).map(lambda xs: [BalanceChange(DUE + timedelta(days=o), a) for o, a in xs])


def by_hand(principal: Decimal, changes: list[BalanceChange], first: date, last: date) -> Decimal:
    """Day by day: the balance during day d is the principal plus changes dated before d."""
    total = D(0)
    day = max(first, DUE + DAY)
    while day <= last:
        balance = principal + sum((c.amount for c in changes if c.on < day), D(0))
        if balance > 0:
            total += balance * D("0.24") / 365
        day += DAY
    return total


@given(amounts, changes_st, offsets, offsets)
def test_matches_a_day_by_day_calculation(principal: Decimal, changes: list[BalanceChange], a: int, b: int) -> None:
    first, last = DUE + timedelta(days=min(a, b)), DUE + timedelta(days=max(a, b))
    got = interest_due(principal, DUE, changes, first, last)
    assert abs(got.amount - by_hand(principal, changes, first, last)) <= D("0.005") + D("1e-18")
    assert got.days == sum(s.days for s in got.stretches)
    assert all(s.balance > 0 and s.days == (s.end - s.start).days + 1 for s in got.stretches)
    for before, after in zip(got.stretches, got.stretches[1:], strict=False):
        assert before.end < after.start


@given(amounts, changes_st, offsets, offsets)
def test_never_negative_and_monotone_in_through(
    principal: Decimal, changes: list[BalanceChange], a: int, b: int
) -> None:
    low, high = DUE + timedelta(days=min(a, b)), DUE + timedelta(days=max(a, b))
    at_low = interest_due(principal, DUE, changes, DUE + DAY, low)
    at_high = interest_due(principal, DUE, changes, DUE + DAY, high)
    assert D(0) <= at_low.amount <= at_high.amount
    assert at_low.days <= at_high.days


@given(amounts, changes_st, st.integers(min_value=-40, max_value=0), offsets)
def test_zero_when_paid_in_full_by_the_due_date(
    principal: Decimal, later: list[BalanceChange], paid_offset: int, through: int
) -> None:
    # Later changes only ever reduce the balance further here.
    credits = [BalanceChange(c.on, -abs(c.amount)) for c in later]
    changes = [BalanceChange(DUE + timedelta(days=paid_offset), -principal), *credits]
    got = interest_due(principal, DUE, changes, DUE + DAY, DUE + timedelta(days=through))
    assert got == InterestResult(0, D("0.00"), [])


@given(amounts, changes_st, st.integers(min_value=1, max_value=400), st.integers(min_value=1, max_value=400))
def test_consecutive_ranges_add_up_to_one_range_within_a_penny(
    principal: Decimal, changes: list[BalanceChange], a: int, b: int
) -> None:
    cut, end = DUE + timedelta(days=min(a, b)), DUE + timedelta(days=max(a, b))
    whole = interest_due(principal, DUE, changes, DUE + DAY, end)
    first = interest_due(principal, DUE, changes, DUE + DAY, cut)
    second = interest_due(principal, DUE, changes, cut + DAY, end)
    assert first.days + second.days == whole.days
    assert abs(first.amount + second.amount - whole.amount) <= D("0.01")

    def balance_days(result: InterestResult) -> Decimal:
        return sum((s.balance * s.days for s in result.stretches), D(0))

    assert balance_days(first) + balance_days(second) == balance_days(whole)
