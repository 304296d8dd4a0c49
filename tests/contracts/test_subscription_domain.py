"""Subscriptions as values, no database: term, cover, clashes, renewal, fee charges (domain-rules.md §3, §4).

Fees are the sample price book's (band up to 600 pupils): premium 9000.00 in
2019/20 and 9250.00 in 2020/21, initial 3200.00 and 3350.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.charge_details import SubscriptionFeeDetail
from contracts.states import SubscriptionStatus
from contracts.subscription import (
    SubscriptionRecord,
    SubscriptionTerms,
    check_no_clash,
    contract_value,
    covered_until,
    covering,
    find_clash,
    plan_fees,
    raised_fee_spans,
    raised_year,
    renewal,
)
from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput, RuleViolation
from pricing.fees import FeeSpan

D = Decimal
Y19, Y20 = AcademicYear(2019), AcademicYear(2020)
PREMIUM = {Y19: D("9000.00"), Y20: D("9250.00")}
INITIAL = {Y19: D("3200.00"), Y20: D("3350.00")}


def iso(day: date) -> str:
    return day.isoformat()


def sub(id: int, starts_on: date, ends_on: date, *, effective_end: date | None = None,
        renews_id: int | None = None) -> SubscriptionRecord:
    status = SubscriptionStatus.LIVE if effective_end is None else SubscriptionStatus.CANCELLED
    return SubscriptionRecord(id, "premium", "annual", starts_on, ends_on, status, effective_end, renews_id)


FULL = sub(1, date(2019, 9, 1), date(2021, 8, 31))
# §4's worked example: notice 2020-01-06, requested end 2020-02-28, effective end 2020-03-30.
CANCELLED = sub(2, date(2019, 9, 1), date(2021, 8, 31), effective_end=date(2020, 3, 30))


def test_the_term_is_two_academic_years_to_31_august() -> None:
    assert SubscriptionTerms("premium", "annual", date(2019, 9, 1)).ends_on == date(2021, 8, 31)
    assert SubscriptionTerms("initial", "annual", date(2020, 1, 6)).ends_on == date(2021, 8, 31)
    assert SubscriptionTerms("initial", "annual", date(2020, 8, 31)).ends_on == date(2021, 8, 31)
    assert SubscriptionTerms("initial", "annual", date(2020, 9, 1)).ends_on == date(2022, 8, 31)


@pytest.mark.parametrize("tier, schedule, code", [("gold", "annual", "unknown_tier"),
                                                  ("premium", "monthly", "unknown_schedule"),
                                                  ("gold", "monthly", "unknown_tier")])
def test_unknown_tier_or_schedule_is_refused(tier: str, schedule: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        SubscriptionTerms.checked(tier, schedule, date(2019, 9, 1))
    assert err.value.code == code


def test_covered_until_is_the_effective_end_once_cancelled() -> None:
    assert covered_until(FULL) == FULL.covered_until == date(2021, 8, 31)
    assert covered_until(CANCELLED) == date(2020, 3, 30)


def test_a_subscription_covers_start_to_end_inclusive() -> None:
    assert [covering([FULL], day) for day in (date(2019, 8, 31), date(2019, 9, 1), date(2021, 8, 31),
                                              date(2021, 9, 1))] == [None, FULL, FULL, None]


def test_a_cancelled_subscription_covers_up_to_its_effective_end() -> None:
    assert covering([CANCELLED], date(2020, 3, 30)) == CANCELLED
    assert covering([CANCELLED], date(2020, 3, 31)) is None


def test_the_covering_one_is_found_among_several() -> None:
    later = sub(3, date(2020, 4, 1), date(2022, 8, 31))
    assert covering([later, CANCELLED], date(2020, 3, 1)) == CANCELLED
    assert covering([later, CANCELLED], date(2020, 4, 1)) == later


def test_a_new_term_meeting_an_existing_one_on_any_day_clashes() -> None:
    assert find_clash([FULL], date(2021, 8, 31), date(2023, 8, 31)) == FULL
    assert find_clash([FULL], date(2018, 9, 1), date(2019, 9, 1)) == FULL
    assert find_clash([FULL], date(2021, 9, 1), date(2023, 8, 31)) is None  # the day after the end is free


def test_a_cancelled_subscription_stops_clashing_after_its_effective_end() -> None:
    assert find_clash([CANCELLED], date(2020, 3, 30), date(2021, 8, 31)) == CANCELLED
    assert find_clash([CANCELLED], date(2020, 3, 31), date(2021, 8, 31)) is None


def test_a_clash_is_refused_naming_the_subscription_it_meets() -> None:
    with pytest.raises(RuleViolation) as err:
        check_no_clash([CANCELLED], SubscriptionTerms("initial", "annual", date(2020, 1, 6)), "100279")
    assert err.value.code == "live_subscription"
    assert str(err.value) == ("school 100279 already has subscription 2 covering 2019-09-01 to 2020-03-30; "
                              "a new one from 2020-01-06 would overlap it")
    check_no_clash([CANCELLED], SubscriptionTerms("initial", "annual", date(2020, 3, 31)), "100279")


def test_renewal_is_the_next_two_year_term_from_the_day_after_the_end() -> None:
    terms = renewal(SubscriptionRecord(1, "initial", "termly", date(2019, 9, 1), date(2021, 8, 31)), None)
    assert terms == SubscriptionTerms("initial", "termly", date(2021, 9, 1))
    assert terms.ends_on == date(2023, 8, 31)


def test_a_cancelled_or_already_renewed_subscription_is_not_renewed() -> None:
    with pytest.raises(RuleViolation) as cancelled:
        renewal(CANCELLED, None)
    assert cancelled.value.code == "cancelled"
    with pytest.raises(RuleViolation, match="already renewed as subscription 9") as renewed:
        renewal(FULL, 9)
    assert renewed.value.code == "already_renewed"


def test_annual_fees_are_charged_on_1_september_each_year_at_that_years_price() -> None:
    plan = plan_fees(SubscriptionTerms("premium", "annual", date(2019, 9, 1)), PREMIUM, iso)
    assert [(p.source_key(7), p.due_on, p.amount, p.period_start, p.period_end) for p in plan] == [
        ("sub/7/2019/1", date(2019, 9, 1), D("9000.00"), date(2019, 9, 1), date(2020, 8, 31)),
        ("sub/7/2020/1", date(2020, 9, 1), D("9250.00"), date(2020, 9, 1), date(2021, 8, 31)),
    ]
    assert plan[0].description == "Premium subscription 2019/20 (2019-09-01 to 2020-08-31)"
    assert plan[1].detail == SubscriptionFeeDetail(academic_year=2020, instalment=1, of=1, year_fee=D("9250.00"))


def test_termly_instalments_are_equal_with_the_pennies_on_the_last() -> None:
    plan = plan_fees(SubscriptionTerms("premium", "termly", date(2019, 9, 1)), PREMIUM, iso)
    assert [(p.due_on, str(p.amount)) for p in plan] == [
        (date(2019, 9, 1), "3000.00"), (date(2020, 1, 1), "3000.00"), (date(2020, 4, 1), "3000.00"),
        (date(2020, 9, 1), "3083.33"), (date(2021, 1, 1), "3083.33"), (date(2021, 4, 1), "3083.34"),
    ]
    assert plan[0].description == "Premium subscription 2019/20, autumn term (2019-09-01 to 2019-12-31)"
    assert plan[5].description == "Premium subscription 2020/21, summer term (2021-04-01 to 2021-08-31)"
    assert [p.source_key(7) for p in plan][3:] == ["sub/7/2020/1", "sub/7/2020/2", "sub/7/2020/3"]
    assert plan[5].detail == SubscriptionFeeDetail(academic_year=2020, instalment=3, of=3, year_fee=D("9250.00"))


def test_a_mid_year_start_is_pro_rata_by_calendar_days() -> None:
    # 3200.00 × 239 days (6 Jan – 31 Aug 2020) ÷ 366 = 2089.617… → 2089.62; then 2020/21's full 3350.00.
    plan = plan_fees(SubscriptionTerms("initial", "annual", date(2020, 1, 6)), INITIAL, iso)
    assert [(p.due_on, str(p.amount)) for p in plan] == [(date(2020, 1, 6), "2089.62"),
                                                          (date(2020, 9, 1), "3350.00")]
    assert plan[0].detail.year_fee == D("3200.00")  # the full year's fee, before pro-rata


def test_a_mid_year_termly_start_splits_the_pro_rata_fee_over_the_terms_left() -> None:
    plan = plan_fees(SubscriptionTerms("initial", "termly", date(2020, 1, 6)), INITIAL, iso)
    assert [(p.due_on, str(p.amount)) for p in plan][:2] == [(date(2020, 1, 6), "1044.81"),
                                                              (date(2020, 4, 1), "1044.81")]
    assert plan[0].description == "Initial subscription 2019/20, spring term (2020-01-06 to 2020-03-31)"
    assert (plan[0].detail.instalment, plan[0].detail.of) == (1, 2)


def test_the_date_format_is_the_callers() -> None:
    [first, _] = plan_fees(SubscriptionTerms("premium", "annual", date(2019, 9, 1)), PREMIUM,
                           lambda day: day.strftime("%d/%m/%Y"))
    assert first.description == "Premium subscription 2019/20 (01/09/2019 to 31/08/2020)"


def test_fee_spans_come_from_the_charges_raised() -> None:
    raised = [(2019, D("3000.00"))] * 3 + [(2020, D("3083.33")), (2020, D("3083.33")), (2020, D("3083.34"))]
    spans = raised_fee_spans(date(2019, 9, 1), raised)
    assert spans == [FeeSpan(date(2019, 9, 1), date(2020, 8, 31), D("9000.00")),
                     FeeSpan(date(2020, 9, 1), date(2021, 8, 31), D("9250.00"))]
    assert contract_value(spans) == D("18250.00")


def test_a_year_with_nothing_raised_is_worth_nothing() -> None:
    spans = raised_fee_spans(date(2020, 1, 6), [(2019, D("2089.62"))])
    assert spans == [FeeSpan(date(2020, 1, 6), date(2020, 8, 31), D("2089.62")),
                     FeeSpan(date(2020, 9, 1), date(2021, 8, 31), D("0.00"))]


def test_a_raised_charge_belongs_to_its_recorded_year_else_its_period_else_its_due_date() -> None:
    assert raised_year(2019, date(2020, 9, 1), date(2020, 9, 1)) == 2019
    assert raised_year(None, date(2020, 8, 31), date(2020, 9, 1)) == 2019
    assert raised_year(None, None, date(2020, 9, 1)) == 2020


@given(start=st.dates(date(2019, 9, 1), date(2020, 8, 31)), schedule=st.sampled_from(["annual", "termly"]),
       fee=st.decimals(min_value=0, max_value=100000, places=2))
def test_instalments_add_up_to_each_years_fee_and_fall_within_the_term(start: date, schedule: str,
                                                                       fee: Decimal) -> None:
    terms = SubscriptionTerms.checked("initial", schedule, start)
    plan = plan_fees(terms, {Y19: fee, Y20: fee}, iso)
    spans = raised_fee_spans(start, [(p.detail.academic_year, p.amount) for p in plan])
    assert spans[1].fee == fee
    assert spans[0].fee <= fee
    assert all(start <= p.due_on <= terms.ends_on for p in plan)
    assert len({p.source_key(1) for p in plan}) == len(plan)
