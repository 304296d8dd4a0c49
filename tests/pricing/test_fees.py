"""Contract term, pro-rata and instalments (domain-rules.md §3)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput
from pricing.fees import (
    FeeSpan,
    Instalment,
    YearSpan,
    contract_end,
    contract_fee_spans,
    contract_years,
    pro_rata_amount,
    prorate,
    schedule,
    split_instalments,
)
from pricing.money import from_pence

AY19 = AcademicYear(2019)
AY20 = AcademicYear(2020)
FEES = {AY19: Decimal("9000.00"), AY20: Decimal("9500.00")}

starts = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
fees = st.integers(min_value=0, max_value=5_000_000).map(from_pence)


# --- contract term -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2019, 9, 1), date(2021, 8, 31)),  # a full two years
        (date(2020, 1, 6), date(2021, 8, 31)),  # joins mid-year: still ends after the NEXT year
        (date(2020, 8, 31), date(2021, 8, 31)),  # last day of a year: the first year is one day long
        (date(2020, 9, 1), date(2022, 8, 31)),
    ],
)
def test_contract_ends_31_august_of_the_year_after_the_start_year(start: date, end: date) -> None:
    assert contract_end(start) == end


def test_contract_years_are_the_covered_parts_of_two_academic_years() -> None:
    assert contract_years(date(2020, 1, 6)) == [
        YearSpan(AY19, date(2020, 1, 6), date(2020, 8, 31)),
        YearSpan(AY20, date(2020, 9, 1), date(2021, 8, 31)),
    ]
    assert [span.days for span in contract_years(date(2020, 1, 6))] == [239, 365]


@given(starts)
def test_contract_years_tile_start_to_end(start: date) -> None:
    first, second = contract_years(start)
    assert first.start == start and second.end == contract_end(start)
    assert first.end + timedelta(days=1) == second.start
    assert second.academic_year == first.academic_year.next()


# --- pro-rata ------------------------------------------------------------------


def test_prorate_worked_example_join_6_january_2020() -> None:
    # 2019/20 runs 1 Sep 2019..31 Aug 2020 = 366 days (29 Feb 2020).
    # Covered 6 Jan..31 Aug 2020, both days counted:
    #   Jan 26 + Feb 29 + Mar 31 + Apr 30 + May 31 + Jun 30 + Jul 31 + Aug 31 = 239 days.
    # £9,000.00 × 239 ÷ 366 = £5,877.0491… → £5,877.05 (half up).
    assert prorate(Decimal("9000.00"), date(2020, 1, 6), date(2020, 8, 31), AY19) == Decimal("5877.05")


def test_prorate_rounds_half_up_at_the_penny() -> None:
    # £0.61 × 183 ÷ 366 = £0.305 exactly: half up gives 31p (banker's rounding would give 30p).
    assert prorate(Decimal("0.61"), date(2020, 3, 1), date(2020, 8, 30), AY19) == Decimal("0.31")


def test_prorate_of_a_full_year_is_exactly_the_fee() -> None:
    assert prorate(Decimal("9000.00"), AY19.start, AY19.end, AY19) == Decimal("9000.00")
    assert prorate(Decimal("9500.00"), AY20.start, AY20.end, AY20) == Decimal("9500.00")


def test_prorate_uses_the_days_of_that_year_365_in_a_non_leap_year() -> None:
    # 2020/21 has 365 days; one day of £365.00 is exactly £1.00.
    assert prorate(Decimal("365.00"), date(2021, 8, 31), date(2021, 8, 31), AY20) == Decimal("1.00")


@pytest.mark.parametrize(
    ("span_start", "span_end"),
    [
        (date(2019, 8, 31), date(2020, 8, 31)),  # starts before the year
        (date(2019, 9, 1), date(2020, 9, 1)),  # ends after it
        (date(2020, 2, 1), date(2020, 1, 31)),  # ends before it starts
    ],
)
def test_prorate_refuses_a_span_outside_the_year(span_start: date, span_end: date) -> None:
    with pytest.raises(InvalidInput):
        prorate(Decimal("9000.00"), span_start, span_end, AY19)


def test_prorate_refuses_floats_fractions_of_a_penny_and_negative_fees() -> None:
    for bad in (9000.0, Decimal("9000.001"), Decimal("-1.00")):
        with pytest.raises(InvalidInput):
            prorate(bad, AY19.start, AY19.end, AY19)  # type: ignore[arg-type]


def test_pro_rata_amount_refuses_nonsense_day_counts() -> None:
    with pytest.raises(InvalidInput):
        pro_rata_amount(Decimal("1.00"), 1, 0)
    with pytest.raises(InvalidInput):
        pro_rata_amount(Decimal("1.00"), -1, 10)


# --- instalments ---------------------------------------------------------------


def test_split_instalments_leftover_pennies_go_on_the_last() -> None:
    assert split_instalments(Decimal("100.00"), 3) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert split_instalments(Decimal("0.05"), 3) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.03")]
    assert split_instalments(Decimal("9000.00"), 3) == [Decimal("3000.00")] * 3
    assert split_instalments(Decimal("5877.05"), 1) == [Decimal("5877.05")]


def test_split_instalments_rounds_each_part_down_not_half_up() -> None:
    # 200.00 ÷ 3 = 66.666…: half up would give 66.67, 66.67, 66.66 (the last smaller).
    assert split_instalments(Decimal("200.00"), 3) == [Decimal("66.66"), Decimal("66.66"), Decimal("66.68")]


def test_split_instalments_refuses_bad_counts_and_amounts() -> None:
    with pytest.raises(InvalidInput):
        split_instalments(Decimal("100.00"), 0)
    with pytest.raises(InvalidInput):
        split_instalments(Decimal("-100.00"), 3)
    with pytest.raises(InvalidInput):
        split_instalments(Decimal("100.001"), 3)


@given(fees, st.integers(min_value=1, max_value=24))
def test_split_instalments_are_equal_and_sum_exactly(total: Decimal, n: int) -> None:
    parts = split_instalments(total, n)
    assert len(parts) == n
    assert sum(parts) == total
    assert len(set(parts[:-1])) <= 1
    assert all(part == part.quantize(Decimal("0.01")) for part in parts)
    # The last carries fewer than n leftover pennies on top of the others.
    assert Decimal("0") <= parts[-1] - parts[0] < Decimal(n) / 100


# --- schedules -----------------------------------------------------------------


def test_annual_schedule_from_1_september() -> None:
    assert schedule(date(2019, 9, 1), FEES, "annual") == [
        Instalment(AY19, 1, 1, date(2019, 9, 1), date(2019, 9, 1), date(2020, 8, 31), Decimal("9000.00")),
        Instalment(AY20, 1, 1, date(2020, 9, 1), date(2020, 9, 1), date(2021, 8, 31), Decimal("9500.00")),
    ]


def test_annual_schedule_mid_year_joiner_is_dated_the_start_and_pro_rated() -> None:
    # Each year's fee comes from that year's price-book version: 9000 pro-rated, then 9500 in full.
    assert schedule(date(2020, 1, 6), FEES, "annual") == [
        Instalment(AY19, 1, 1, date(2020, 1, 6), date(2020, 1, 6), date(2020, 8, 31), Decimal("5877.05")),
        Instalment(AY20, 1, 1, date(2020, 9, 1), date(2020, 9, 1), date(2021, 8, 31), Decimal("9500.00")),
    ]


def test_termly_schedule_from_1_september_is_three_instalments_a_year() -> None:
    got = schedule(date(2019, 9, 1), {AY19: Decimal("9000.00"), AY20: Decimal("9500.00")}, "termly")
    assert got == [
        Instalment(AY19, 1, 3, date(2019, 9, 1), date(2019, 9, 1), date(2019, 12, 31), Decimal("3000.00")),
        Instalment(AY19, 2, 3, date(2020, 1, 1), date(2020, 1, 1), date(2020, 3, 31), Decimal("3000.00")),
        Instalment(AY19, 3, 3, date(2020, 4, 1), date(2020, 4, 1), date(2020, 8, 31), Decimal("3000.00")),
        # 9500 ÷ 3 = 3166.666…: 3166.66, 3166.66 and the leftover 2p on the last, 3166.68.
        Instalment(AY20, 1, 3, date(2020, 9, 1), date(2020, 9, 1), date(2020, 12, 31), Decimal("3166.66")),
        Instalment(AY20, 2, 3, date(2021, 1, 1), date(2021, 1, 1), date(2021, 3, 31), Decimal("3166.66")),
        Instalment(AY20, 3, 3, date(2021, 4, 1), date(2021, 4, 1), date(2021, 8, 31), Decimal("3166.68")),
    ]


def test_termly_schedule_mid_year_joiner_raises_only_remaining_terms() -> None:
    # Joins 6 Jan 2020: autumn is wholly before the start and is not raised; spring is
    # raised on the start date for 6 Jan..31 Mar; the pro-rated £5,877.05 is split
    # over the two remaining instalments: 2938.52 + 2938.53 (leftover penny last).
    got = [i for i in schedule(date(2020, 1, 6), FEES, "termly") if i.academic_year == AY19]
    assert got == [
        Instalment(AY19, 1, 2, date(2020, 1, 6), date(2020, 1, 6), date(2020, 3, 31), Decimal("2938.52")),
        Instalment(AY19, 2, 2, date(2020, 4, 1), date(2020, 4, 1), date(2020, 8, 31), Decimal("2938.53")),
    ]


def test_termly_schedule_joining_on_a_term_start_date() -> None:
    # Joins 1 Apr 2020: summer only; 1 Apr..31 Aug = 153 days; 9000 × 153 ÷ 366 = 3762.295… → 3762.30.
    got = [i for i in schedule(date(2020, 4, 1), FEES, "termly") if i.academic_year == AY19]
    assert got == [
        Instalment(AY19, 1, 1, date(2020, 4, 1), date(2020, 4, 1), date(2020, 8, 31), Decimal("3762.30")),
    ]


def test_schedule_refuses_an_unknown_schedule_name() -> None:
    with pytest.raises(InvalidInput, match="monthly"):
        schedule(date(2019, 9, 1), FEES, "monthly")  # type: ignore[arg-type]


def test_schedule_refuses_a_missing_year_fee() -> None:
    with pytest.raises(InvalidInput, match="2020/21"):
        schedule(date(2019, 9, 1), {AY19: Decimal("9000.00")}, "annual")


def test_contract_fee_spans_pro_rate_only_the_first_year() -> None:
    assert contract_fee_spans(date(2020, 1, 6), FEES) == {
        AY19: FeeSpan(date(2020, 1, 6), date(2020, 8, 31), Decimal("5877.05")),
        AY20: FeeSpan(date(2020, 9, 1), date(2021, 8, 31), Decimal("9500.00")),
    }


@given(starts, fees, fees, st.sampled_from(["annual", "termly"]))
def test_schedule_instalments_sum_to_each_years_fee_and_tile_the_contract(
    start: date, first_fee: Decimal, second_fee: Decimal, name: str
) -> None:
    first = AcademicYear.of(start)
    by_year = {first: first_fee, first.next(): second_fee}
    got = schedule(start, by_year, name)  # type: ignore[arg-type]
    spans = contract_fee_spans(start, by_year)
    for year, span in spans.items():
        mine = [i for i in got if i.academic_year == year]
        assert sum(i.amount for i in mine) == span.fee
        assert [i.number for i in mine] == list(range(1, len(mine) + 1))
        assert all(i.of == len(mine) for i in mine)
        assert len({i.amount for i in mine[:-1]}) <= 1 and mine[-1].amount >= mine[0].amount
    assert spans[first.next()].fee == second_fee
    # Periods run from the start to the contract end with no gap or overlap; each is due on its first day.
    assert got[0].period_start == start and got[-1].period_end == contract_end(start)
    for before, after in zip(got, got[1:], strict=False):
        assert before.period_end + timedelta(days=1) == after.period_start
    assert all(i.due_on == i.period_start and i.due_on in i.academic_year for i in got)
    if name == "termly":
        assert all(i.due_on == start or (i.due_on.day, i.due_on.month) in {(1, 9), (1, 1), (1, 4)} for i in got)
