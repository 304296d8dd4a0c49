"""Daily accrual (domain-rules.md §4) and income recognition by days of service, by financial year and month (§9)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.accrual import (
    FeeSpan,
    accrued,
    recognise_by_financial_year,
    recognised,
    split_by_financial_year,
    split_by_month,
)
from pricing.calendars import AcademicYear, FinancialYear, days_inclusive
from pricing.errors import InvalidInput
from pricing.fees import SCHEDULES, Instalment, ScheduleName, contract_end, contract_fee_spans, schedule
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


# --- income by days of service (§9) ------------------------------------------------

FY23, FY24 = FinancialYear(2023), FinancialYear(2024)
FY21, FY22 = FinancialYear(2021), FinancialYear(2022)


def _year_spans(instalments: list[Instalment]) -> list[FeeSpan]:
    """A contract's fee per covered year, read back from its instalments as the ledger does."""
    by_year: dict[AcademicYear, list[Instalment]] = {}
    for inst in instalments:
        by_year.setdefault(inst.academic_year, []).append(inst)
    return [FeeSpan(parts[0].period_start, parts[-1].period_end, sum((p.amount for p in parts), Decimal("0.00")))
            for parts in by_year.values()]


def test_a_year_billed_annually_or_termly_earns_the_same_by_days_of_service() -> None:
    # §9: a £10,000.00 year from 2023-09-01 earns 213/366 = 5819.67 in FY2023/24 (to 31 March 2024)
    # whatever the schedule; the rest, 153/366 = 4180.33, in FY2024/25.
    fees = {AcademicYear(2023): Decimal("10000.00"), AcademicYear(2024): Decimal("10000.00")}
    annual = [i for i in schedule(date(2023, 9, 1), fees, "annual") if i.academic_year == AcademicYear(2023)]
    termly = [i for i in schedule(date(2023, 9, 1), fees, "termly") if i.academic_year == AcademicYear(2023)]
    # By invoice the termly school would have 3333.33 + 3333.33 = 6666.66 in FY2023/24.
    assert [i.amount for i in termly] == [Decimal("3333.33"), Decimal("3333.33"), Decimal("3333.34")]
    for plan in (annual, termly):
        assert recognise_by_financial_year(_year_spans(plan)) == {FY23: Decimal("5819.67"), FY24: Decimal("4180.33")}
    assert recognised(_year_spans(termly), FY23.start, FY23.end) == Decimal("5819.67")


def test_a_cancelled_contract_earns_nothing_after_its_effective_end() -> None:
    # £9,500.00 from 2021-09-01, effective end 2022-01-24: 146 days of 365 accrued = 3800.00,
    # all of it in FY2021/22; nothing in FY2022/23 or after, though the year runs to August.
    spans = [FeeSpan(date(2021, 9, 1), date(2022, 8, 31), Decimal("9500.00")),
             FeeSpan(date(2022, 9, 1), date(2023, 8, 31), Decimal("9750.00"))]
    end = date(2022, 1, 24)
    assert accrued(spans, end) == Decimal("3800.00")
    parts = recognise_by_financial_year(spans, end)
    assert parts == {FY21: Decimal("3800.00")}
    assert parts.get(FY22, Decimal("0.00")) == Decimal("0.00")
    assert recognised(spans, FY22.start, FY22.end, end) == Decimal("0.00")
    assert recognised(spans, date(2022, 1, 24), date(2022, 1, 24), end) == Decimal("26.03")  # 9500 x 146/365 - 145/365
    assert recognise_by_financial_year(spans, date(2021, 8, 31)) == {}  # ended before it began: nothing


def test_recognition_rounds_cumulatively_so_no_penny_appears_or_vanishes() -> None:
    # £0.02 over 3 days, one in each of three months: day by day half up would give 0.01 each (0.03);
    # the running total gives 0.01 (0.0067 → 0.01), 0.00 (0.0133 → 0.01), 0.01 (0.02).
    spans = [FeeSpan(date(2020, 1, 31), date(2020, 2, 2), Decimal("0.02"))]
    days_ = [recognised(spans, d, d) for d in (date(2020, 1, 31), date(2020, 2, 1), date(2020, 2, 2))]
    assert days_ == [Decimal("0.01"), Decimal("0.00"), Decimal("0.01")]
    assert recognised(spans, date(2020, 1, 1), date(2020, 12, 31)) == Decimal("0.02")
    credit = [FeeSpan(date(2019, 9, 1), date(2020, 8, 31), Decimal("-9000.00"))]
    assert recognise_by_financial_year(credit) == {FY19: Decimal("-5237.70"), FY20: Decimal("-3762.30")}


@given(days, fees, fees, st.sampled_from(SCHEDULES), st.none() | st.integers(min_value=-60, max_value=800))
def test_income_recognised_in_all_years_is_the_fee_accrued_to_the_effective_end(
        start: date, first: Decimal, second: Decimal, plan: ScheduleName, cut: int | None) -> None:
    """For any schedule and cancellation date, the financial years' parts add up to the fee accrued
    to the effective end, to the penny; nothing is recognised after it; each part is its days' share."""
    year = AcademicYear.of(start)
    instalments = schedule(start, {year: first, year.next(): second}, plan)
    spans = _year_spans(instalments)
    assert spans == list(contract_fee_spans(start, {year: first, year.next(): second}).values())
    end = None if cut is None else start + timedelta(days=cut)
    parts = recognise_by_financial_year(spans, end)
    total = sum(parts.values(), Decimal("0.00"))
    if end is None:
        assert total == sum((i.amount for i in instalments), Decimal("0.00"))
    else:
        assert total == accrued(spans, end)
        assert all(fy.start <= end for fy in parts)
    for fy, part in parts.items():
        assert part >= 0
        exact = sum((fee * days_inclusive(max(s, fy.start), min(e, fy.end, end or e)) / days_inclusive(s, e)
                     for s, e, fee in spans), Decimal(0))
        assert abs(part - exact) <= Decimal("0.01") * len(spans)
