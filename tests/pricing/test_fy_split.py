"""The fy-split schedule (issue 20, docs/rules.md §3): each academic year's fee in two parts, one
in each of a maintained school's financial years, shared by months or by days, summing exactly.

Every figure below is worked by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.calendars import AcademicYear, FinancialYear
from pricing.errors import InvalidInput
from pricing.fees import (
    FY_SPLIT_BASES,
    SCHEDULES,
    FySplitBasis,
    Instalment,
    fy_split_amounts,
    fy_split_periods,
    months_covered,
    schedule,
)
from pricing.money import from_pence

AY25 = AcademicYear(2025)
AY26 = AcademicYear(2026)
FEES = {AY25: Decimal("13500.00"), AY26: Decimal("14000.00")}
WHOLE_2025 = [(date(2025, 9, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 8, 31))]


def amounts(instalments: list[Instalment]) -> list[Decimal]:
    return [inst.amount for inst in instalments]


def test_fy_split_is_a_schedule() -> None:
    assert SCHEDULES == ("annual", "termly", "fy-split")
    assert FY_SPLIT_BASES == ("months", "days")


# --- a whole year by months: 7/12 and 5/12 -------------------------------------------------


@pytest.mark.parametrize(("fee", "first", "second"), [
    ("1000.01", "583.34", "416.67"),    # 1000.01 × 7/12 = 583.339166… → 583.34; the rest 416.67
    ("13500.00", "7875.00", "5625.00"),  # 13500 × 7/12 = 7875 exactly; 13500 × 5/12 = 5625
    ("0.30", "0.18", "0.12"),          # 0.30 × 7/12 = 0.175, half up → 0.18; the rest 0.12
    ("0.01", "0.01", "0.00"),          # 0.01 × 7/12 = 0.00583… → 0.01; nothing is left for April
    ("0.00", "0.00", "0.00"),
])
def test_a_whole_year_by_months_is_seven_twelfths_then_the_rest(fee: str, first: str, second: str) -> None:
    assert fy_split_amounts(Decimal(fee), WHOLE_2025, "months") == [Decimal(first), Decimal(second)]


def test_a_two_year_contract_from_1_september_by_months() -> None:
    plan = schedule(date(2025, 9, 1), FEES, "fy-split", "months")
    assert plan == [
        Instalment(AY25, 1, 2, date(2025, 9, 1), date(2025, 9, 1), date(2026, 3, 31), Decimal("7875.00")),
        Instalment(AY25, 2, 2, date(2026, 4, 1), date(2026, 4, 1), date(2026, 8, 31), Decimal("5625.00")),
        # 14000 × 7/12 = 8166.666… → 8166.67; 14000 − 8166.67 = 5833.33
        Instalment(AY26, 1, 2, date(2026, 9, 1), date(2026, 9, 1), date(2027, 3, 31), Decimal("8166.67")),
        Instalment(AY26, 2, 2, date(2027, 4, 1), date(2027, 4, 1), date(2027, 8, 31), Decimal("5833.33")),
    ]


def test_the_default_basis_is_months() -> None:
    assert schedule(date(2025, 9, 1), FEES, "fy-split") == schedule(date(2025, 9, 1), FEES, "fy-split", "months")


# --- a whole year by days ------------------------------------------------------------------


def test_a_whole_year_by_days() -> None:
    plan = schedule(date(2025, 9, 1), FEES, "fy-split", "days")
    # 2025-09-01..2026-03-31 is 30+31+30+31+31+28+31 = 212 of 365 days:
    # 13500 × 212/365 = 7841.0958… → 7841.10, the rest 5658.90;
    # 2026-09-01..2027-03-31 is 212 of 365: 14000 × 212/365 = 8131.5068… → 8131.51, the rest 5868.49.
    assert amounts(plan) == [Decimal("7841.10"), Decimal("5658.90"), Decimal("8131.51"), Decimal("5868.49")]
    assert [inst.due_on for inst in plan] == [date(2025, 9, 1), date(2026, 4, 1), date(2026, 9, 1), date(2027, 4, 1)]


def test_a_leap_year_by_days_agrees_with_income_earned_in_each_financial_year() -> None:
    # 2023-09-01..2024-03-31 is 213 of 366 days (29 February 2024): 10000 × 213/366 = 5819.672… → 5819.67,
    # the figure docs/rules.md §9 earns in FY2023/24; the rest 4180.33 falls in FY2024/25.
    periods = fy_split_periods(date(2023, 9, 1), date(2024, 8, 31))
    assert periods == [(date(2023, 9, 1), date(2024, 3, 31)), (date(2024, 4, 1), date(2024, 8, 31))]
    assert fy_split_amounts(Decimal("10000.00"), periods, "days") == [Decimal("5819.67"), Decimal("4180.33")]


# --- part years ---------------------------------------------------------------------------


def test_joining_on_15_october_by_months_counts_october_as_a_whole_month() -> None:
    plan = schedule(date(2025, 10, 15), FEES, "fy-split", "months")
    # Pro rata first: 2025-10-15..2026-08-31 is 17+30+31+31+28+31+30+31+30+31+31 = 321 of 365 days,
    # 13500 × 321/365 = 11872.6027… → 11872.60. October to March is 6 months (October, joined on the
    # 15th, counts whole), April to August 5: 11872.60 × 6/11 = 6475.9636… → 6475.96, the rest 5396.64.
    assert plan[:2] == [
        Instalment(AY25, 1, 2, date(2025, 10, 15), date(2025, 10, 15), date(2026, 3, 31), Decimal("6475.96")),
        Instalment(AY25, 2, 2, date(2026, 4, 1), date(2026, 4, 1), date(2026, 8, 31), Decimal("5396.64")),
    ]
    assert amounts(plan[2:]) == [Decimal("8166.67"), Decimal("5833.33")]


def test_joining_on_15_october_by_days() -> None:
    plan = schedule(date(2025, 10, 15), FEES, "fy-split", "days")
    # 168 of the 321 days fall by 31 March: 11872.60 × 168/321 = 6213.6971… → 6213.70, the rest 5658.90
    assert amounts(plan[:2]) == [Decimal("6213.70"), Decimal("5658.90")]


def test_joining_on_31_march_by_months_takes_a_whole_month_for_march() -> None:
    plan = schedule(date(2026, 3, 31), FEES, "fy-split", "months")
    # 2026-03-31..2026-08-31 is 154 of 365 days: 13500 × 154/365 = 5695.8904… → 5695.89;
    # March counts as 1 month against 5: 5695.89 × 1/6 = 949.315 → 949.32 (half up), the rest 4746.57.
    assert plan[0] == Instalment(AY25, 1, 2, date(2026, 3, 31), date(2026, 3, 31), date(2026, 3, 31),
                                 Decimal("949.32"))
    assert plan[1].amount == Decimal("4746.57")


def test_joining_on_31_march_by_days() -> None:
    # 1 of 154 days: 5695.89 / 154 = 36.986… → 36.99, the rest 5658.90
    plan = schedule(date(2026, 3, 31), FEES, "fy-split", "days")
    assert amounts(plan[:2]) == [Decimal("36.99"), Decimal("5658.90")]


@pytest.mark.parametrize("basis", FY_SPLIT_BASES)
def test_joining_after_1_april_is_one_part_due_on_the_start(basis: FySplitBasis) -> None:
    plan = schedule(date(2026, 5, 11), FEES, "fy-split", basis)
    # 2026-05-11..2026-08-31 is 21+30+31+31 = 113 of 365 days: 13500 × 113/365 = 4179.4520… → 4179.45
    assert plan[0] == Instalment(AY25, 1, 1, date(2026, 5, 11), date(2026, 5, 11), date(2026, 8, 31),
                                 Decimal("4179.45"))
    assert [(inst.academic_year, inst.number, inst.of) for inst in plan[1:]] == [(AY26, 1, 2), (AY26, 2, 2)]


def test_joining_on_1_april_is_one_part() -> None:
    assert fy_split_periods(date(2026, 4, 1), date(2026, 8, 31)) == [(date(2026, 4, 1), date(2026, 8, 31))]


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2025, 9, 1), date(2026, 3, 31), 7),
    (date(2026, 4, 1), date(2026, 8, 31), 5),
    (date(2025, 10, 15), date(2026, 3, 31), 6),
    (date(2026, 3, 31), date(2026, 3, 31), 1),
    (date(2025, 12, 31), date(2026, 1, 1), 2),
])
def test_months_covered_counts_any_month_with_a_day_in_it(start: date, end: date, months: int) -> None:
    assert months_covered(start, end) == months


def test_an_unknown_basis_is_refused() -> None:
    with pytest.raises(InvalidInput, match='basis "weeks"'):
        schedule(date(2025, 9, 1), FEES, "fy-split", "weeks")  # type: ignore[arg-type]


def test_a_negative_fee_cannot_be_split() -> None:
    with pytest.raises(InvalidInput):
        fy_split_amounts(Decimal("-1.00"), WHOLE_2025, "months")


# --- properties -----------------------------------------------------------------------------


@given(start=st.dates(min_value=date(2015, 9, 1), max_value=date(2035, 8, 31)),
       first=st.integers(min_value=0, max_value=999_999_999).map(from_pence),
       second=st.integers(min_value=0, max_value=999_999_999).map(from_pence),
       basis=st.sampled_from(FY_SPLIT_BASES))
def test_the_parts_sum_to_each_years_fee_and_each_falls_in_one_financial_year(
        start: date, first: Decimal, second: Decimal, basis: FySplitBasis) -> None:
    year = AcademicYear.of(start)
    fees = {year: first, year.next(): second}
    plan = schedule(start, fees, "fy-split", basis)
    annual = schedule(start, fees, "annual")
    for whole in annual:
        parts = [inst for inst in plan if inst.academic_year == whole.academic_year]
        assert sum(inst.amount for inst in parts) == whole.amount
        assert all(inst.amount >= 0 for inst in parts)
        assert [inst.number for inst in parts] == list(range(1, len(parts) + 1))
        assert parts[0].due_on == whole.due_on and parts[-1].period_end == whole.period_end
        for inst in parts:
            assert inst.due_on == inst.period_start
            assert FinancialYear.of(inst.period_start) == FinancialYear.of(inst.period_end)
