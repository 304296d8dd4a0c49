"""Daily accrual (domain-rules.md §4) and income recognition by financial year and month (§9)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.accrual import FeeSpan, accrued, split_by_financial_year, split_by_month
from pricing.calendars import AcademicYear, FinancialYear, days_inclusive
from pricing.errors import InvalidInput
from pricing.fees import contract_end, contract_fee_spans
from pricing.money import from_pence, to_pence

AY19 = AcademicYear(2019)
AY20 = AcademicYear(2020)
FY19 = FinancialYear(2019)
FY20 = FinancialYear(2020)

SPANS = [
    FeeSpan(date(2019, 9, 1), date(2020, 8, 31), Decimal("9000.00")),
    FeeSpan(date(2020, 9, 1), date(2021, 8, 31), Decimal("9500.00")),
]

amounts = st.integers(min_value=-5_000_000, max_value=5_000_000).map(from_pence)
fees = st.integers(min_value=0, max_value=5_000_000).map(from_pence)
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


# --- accrual -------------------------------------------------------------------


def test_accrual_to_the_cancellation_example_effective_end() -> None:
    # §4: notice 2020-01-06, requested end 2020-02-28 → effective end 2020-03-30.
    # 1 Sep 2019..30 Mar 2020 = 30 + 31 + 30 + 31 + 31 + 29 + 30 = 212 days of 366.
    # £9,000.00 × 212 ÷ 366 = £5,213.1147… → £5,213.11; nothing of 2020/21 has accrued.
    assert accrued(SPANS, date(2020, 3, 30)) == Decimal("5213.11")


def test_accrual_counts_the_end_day_itself() -> None:
    # Through 1 Sep 2019 is one day: 9000 ÷ 366 = 24.5901… → 24.59.
    assert accrued(SPANS, date(2019, 9, 1)) == Decimal("24.59")


def test_accrual_rounds_each_span_separately() -> None:
    # Through 1 Sep 2020: all of 2019/20 (9000.00) + one day of 2020/21: 9500 ÷ 365 = 26.027… → 26.03.
    assert accrued(SPANS, date(2020, 9, 1)) == Decimal("9026.03")


def test_accrual_through_the_last_day_is_the_contract_value() -> None:
    assert accrued(SPANS, date(2021, 8, 31)) == Decimal("18500.00")
    assert accrued(SPANS, date(2030, 1, 1)) == Decimal("18500.00")


def test_accrual_before_the_start_is_zero() -> None:
    assert accrued(SPANS, date(2019, 8, 31)) == Decimal("0.00")


def test_accrual_takes_plain_tuples_and_refuses_backwards_spans() -> None:
    assert accrued([(date(2020, 1, 1), date(2020, 1, 10), Decimal("10.00"))], date(2020, 1, 5)) == Decimal("5.00")
    with pytest.raises(InvalidInput):
        accrued([(date(2020, 1, 10), date(2020, 1, 1), Decimal("10.00"))], date(2020, 1, 5))


@given(days, fees, fees, days, days)
def test_accrual_properties(start: date, first: Decimal, second: Decimal, a: date, b: date) -> None:
    year = AcademicYear.of(start)
    spans = list(contract_fee_spans(start, {year: first, year.next(): second}).values())
    value = sum(span.fee for span in spans)
    assert accrued(spans, contract_end(start)) == value
    assert accrued(spans, start - timedelta(days=1)) == 0
    low, high = sorted((a, b))
    assert Decimal(0) <= accrued(spans, low) <= accrued(spans, high) <= value


# --- financial-year split --------------------------------------------------------


def test_split_of_a_2019_20_fee_across_two_financial_years() -> None:
    # 1 Sep 2019..31 Mar 2020 = 213 days (a leap February) → FY2019/20;
    # 1 Apr..31 Aug 2020 = 153 days → FY2020/21; of 366.
    # 9000 × 213 ÷ 366 = 5237.7049… → 5237.70; 9000 × 153 ÷ 366 = 3762.2950… → 3762.30.
    assert days_inclusive(date(2019, 9, 1), date(2020, 3, 31)) == 213
    assert split_by_financial_year(Decimal("9000.00"), date(2019, 9, 1), date(2020, 8, 31)) == {
        FY19: Decimal("5237.70"),
        FY20: Decimal("3762.30"),
    }


def test_split_puts_the_rounding_difference_on_the_last_part() -> None:
    # £0.01 over 31 Mar..1 Apr 2020: each financial year's share is 0.005 → 0.01 half up,
    # which would total 0.02; the last part gets 0.01 − 0.01 = 0.00 instead.
    assert split_by_financial_year(Decimal("0.01"), date(2020, 3, 31), date(2020, 4, 1)) == {
        FY19: Decimal("0.01"),
        FY20: Decimal("0.00"),
    }
    got = split_by_month(Decimal("9000.00"), date(2019, 9, 1), date(2020, 8, 31))
    # 31-day months: 9000 × 31 ÷ 366 = 762.295… → 762.30 each; the half-up parts total 9000.01,
    # so August (the last) gives back the penny: 762.29.
    assert got[(2019, 10)] == Decimal("762.30")
    assert got[(2020, 2)] == Decimal("713.11")  # 29 days: 713.1147…
    assert got[(2020, 8)] == Decimal("762.29")
    assert sum(got.values()) == Decimal("9000.00")
    assert list(got) == [(2019, m) for m in range(9, 13)] + [(2020, m) for m in range(1, 9)]


def test_split_of_a_single_day_and_of_a_credit() -> None:
    assert split_by_month(Decimal("12.34"), date(2020, 2, 29), date(2020, 2, 29)) == {(2020, 2): Decimal("12.34")}
    assert split_by_financial_year(Decimal("-9000.00"), date(2019, 9, 1), date(2020, 8, 31)) == {
        FY19: Decimal("-5237.70"),
        FY20: Decimal("-3762.30"),
    }


def test_split_refuses_a_backwards_period_and_fractions_of_a_penny() -> None:
    with pytest.raises(InvalidInput):
        split_by_month(Decimal("1.00"), date(2020, 2, 1), date(2020, 1, 31))
    with pytest.raises(InvalidInput):
        split_by_financial_year(Decimal("1.001"), date(2020, 1, 1), date(2020, 1, 31))


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, 1), following - timedelta(days=1)


@given(amounts, days, st.integers(min_value=0, max_value=1500))
def test_splits_add_up_exactly_and_follow_the_days(amount: Decimal, start: date, length: int) -> None:
    end = start + timedelta(days=length)
    whole = days_inclusive(start, end)
    by_fy = split_by_financial_year(amount, start, end)
    by_month = split_by_month(amount, start, end)
    assert list(by_fy) == sorted(by_fy) and list(by_month) == sorted(by_month)
    for parts in (
        [(fy.start, fy.end, part) for fy, part in by_fy.items()],
        [(*_month_bounds(*key), part) for key, part in by_month.items()],
    ):
        assert sum(part for _, _, part in parts) == amount
        assert parts[0][0] <= start <= parts[0][1] and parts[-1][0] <= end <= parts[-1][1]
        for lo, hi, part in parts[:-1]:
            assert part == to_pence(amount * days_inclusive(max(start, lo), min(end, hi)) / whole)
        # The last part absorbs at most half a penny per other part.
        lo, hi, last = parts[-1]
        exact_last = amount * days_inclusive(max(start, lo), min(end, hi)) / whole
        assert abs(last - exact_last) <= Decimal("0.005") * (len(parts) - 1)
