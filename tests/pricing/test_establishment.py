"""The establishment's pure rules with hand-computed figures (pricing.establishment, issue 19)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pricing.calendars import FinancialYear
from pricing.establishment import (
    UNSOLD,
    Capacity,
    capacity_hours,
    full_cost_shares,
    monthly_pay,
    pay,
    percent,
    prorate_budget,
    share_of_post,
    split_by_funding,
    straight_line,
    utilisation,
    variance_label,
    with_on_costs,
)

D = Decimal


def test_a_part_month_either_side_of_a_financial_year_end_is_its_days_share() -> None:
    # £36,500 a year is £100.00 a day in a 365-day financial year.
    months = monthly_pay(D("36500.00"), date(2026, 3, 16), date(2026, 4, 15), date(2026, 1, 1), date(2026, 12, 31))
    assert months == {(2026, 3): D("1600.00"), (2026, 4): D("1500.00")}


def test_a_leap_financial_year_pays_by_366_days() -> None:
    # FY2023/24 holds 29 Feb 2024: £36,600 a year is £100.00 a day, February 29 days.
    assert pay(D("36600.00"), date(2023, 4, 1), None, date(2024, 2, 1), date(2024, 2, 29)) == D("2900.00")


def test_a_whole_year_filled_pays_the_annual_cost_exactly_and_months_add_up() -> None:
    fy = FinancialYear(2025)
    months = monthly_pay(D("58900.01"), date(2020, 1, 1), None, fy.start, fy.end)
    assert len(months) == 12
    assert sum(months.values()) == D("58900.01")
    assert months[(2025, 4)] == D("4841.10")  # 30/365 of 58,900.01 = 4,841.0967 → 4,841.10


def test_nothing_is_paid_outside_the_filled_days() -> None:
    assert pay(D("36500.00"), date(2026, 5, 1), date(2026, 6, 30), date(2026, 3, 1), date(2026, 4, 30)) == D("0.00")


def test_on_costs_and_a_share_of_a_group_post() -> None:
    assert with_on_costs(D("40000.00"), D("28.5")) == D("51400.00")
    # 4 FTE inclusion support leads cost £182,000 for 12 months: one of them is £45,500.
    assert share_of_post(D("182000.00"), D("4"), D("1")) == D("45500.00")


def test_a_fifty_fifty_split_gives_the_odd_penny_to_the_first_source() -> None:
    # Walsall's admin support: £24,600 a year, 50% LA and 50% schools forum funded.
    assert split_by_funding(D("2050.01"), {"council budget": D("50"), "schools forum": D("50")}) == {
        "council budget": D("1025.01"), "schools forum": D("1025.00")}
    # The same split by 12-month amounts.
    assert split_by_funding(D("24600.00"), {"council budget": D("12300.00"), "schools forum": D("12300.00")}) == {
        "council budget": D("12300.00"), "schools forum": D("12300.00")}


def test_a_seventeen_month_budget_is_prorated_into_two_financial_years_by_days() -> None:
    # Walsall's schools forum money for April 2019 – August 2020: 519 days, FY2019/20 holds 29 Feb 2020.
    parts = prorate_budget(D("497300.00"), date(2019, 4, 1), date(2020, 8, 31))
    assert [(p.fy.name, p.days, p.of_days, p.amount) for p in parts] == [
        ("FY2019/20", 366, 519, D("350697.11")),  # 497,300 × 366 / 519 = 350,697.109...
        ("FY2020/21", 153, 519, D("146602.89")),
    ]


def test_capacity_is_working_days_less_allowances_times_hours_and_fte() -> None:
    # March 2026: 22 working days; allowance (27 + 5) × 31/365 = 2.7178 days; 7.4 hours a day.
    assert capacity_hours(D("1"), date(2026, 3, 1), date(2026, 3, 31), Capacity()) == D("142.69")
    # A whole FY2025/26 at 0.4 FTE: 253 working days less 32 = 221 days × 7.4 × 0.4.
    assert capacity_hours(D("0.4"), date(2025, 4, 1), date(2026, 3, 31), Capacity()) == D("654.16")


def test_utilisation_and_cost_recovery_percentages() -> None:
    assert utilisation(D("100.00"), D("142.69")) == D("70.1")
    assert utilisation(D("1"), D("0")) is None
    assert percent(D("175000.00"), D("200000.00")) == D("87.5")


def test_full_cost_falls_on_hours_delivered_and_the_rest_is_capacity_not_sold() -> None:
    shares, unsold = full_cost_shares(D("10000.00"), D("400"), {"case A": D("30"), "case B": D("20"),
                                                                 "order": D("10")})
    assert shares == {"case A": D("750.00"), "case B": D("500.00"), "order": D("250.00")}
    assert unsold == D("8500.00")


def test_full_cost_of_odd_pence_adds_up_exactly() -> None:
    shares, unsold = full_cost_shares(D("100.00"), D("3"), {"a": D("1"), "b": D("1")})
    assert shares == {"a": D("33.34"), "b": D("33.33")} and unsold == D("33.33")
    # More hours delivered than capacity: the whole pool falls on the work.
    shares, unsold = full_cost_shares(D("90.00"), D("2"), {"a": D("2"), "b": D("1")})
    assert shares == {"a": D("60.00"), "b": D("30.00")} and unsold == D("0.00")
    assert full_cost_shares(D("90.00"), D("0"), {}) == ({}, D("90.00"))
    assert UNSOLD == "capacity not sold"


def test_forecast_run_rate_and_variance_labels() -> None:
    assert straight_line(D("1000.00"), 100, 365) == D("3650.00")
    assert straight_line(D("1000.00"), 0, 365) == D("0.00")
    assert variance_label("income", D("10")) == "favourable"
    assert variance_label("income", D("-10")) == "adverse"
    assert variance_label("cost", D("10")) == "adverse"
    assert variance_label("cost", D("-0.01")) == "favourable"
    assert variance_label("cost", D("0")) == "on budget"


days = st.integers(min_value=0, max_value=1200)
pennies = st.integers(min_value=0, max_value=20_000_000)


@given(pennies, days, days, st.integers(min_value=0, max_value=600))
def test_months_of_any_filled_span_add_up_to_its_pay(annual_p: int, a: int, length: int, window: int) -> None:
    annual = D(annual_p) / 100
    start = date(2024, 1, 1) + timedelta(days=a)
    end = start + timedelta(days=length)
    first = start - timedelta(days=window)
    last = end + timedelta(days=window)
    months = monthly_pay(annual, start, end, first, last)
    assert sum(months.values(), D("0.00")) == pay(annual, start, end, first, last)
    # ... and the financial years of it add up the same.
    fy, by_year = FinancialYear.of(first), D("0.00")
    while fy.start <= last:
        by_year += pay(annual, start, end, max(first, fy.start), min(last, fy.end))
        fy = fy.next()
    assert by_year == pay(annual, start, end, first, last)


@given(pennies, st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=4))
def test_funding_splits_never_lose_a_penny(amount_p: int, weights: list[int]) -> None:
    amount = D(amount_p) / 100
    shares = split_by_funding(amount, {f"source {i}": D(w) for i, w in enumerate(weights)})
    assert sum(shares.values(), D("0.00")) == amount


@given(pennies, st.integers(min_value=0, max_value=5000),
       st.lists(st.integers(min_value=0, max_value=800), max_size=6))
def test_full_cost_shares_and_capacity_not_sold_add_up_to_the_pool(pool_p: int, capacity: int,
                                                                   hours: list[int]) -> None:
    pool = D(pool_p) / 100
    shares, unsold = full_cost_shares(pool, D(capacity), {i: D(h) for i, h in enumerate(hours)})
    assert sum(shares.values(), D("0.00")) + unsold == pool
