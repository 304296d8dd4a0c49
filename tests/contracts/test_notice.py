"""The 48-hour rule (domain-rules.md §5), including both clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.notice import NOTICE_PERIOD, Outcome, apply_change, notice_deadline, notice_in_time
from pricing.clock import LONDON, london_to_utc
from pricing.errors import InvalidInput, RuleViolation


def london(text: str) -> datetime:
    return london_to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


# An ordinary week, no clock change: Thursday 09:00 GMT.
START = london("2019-11-14 09:00")
NEW_TIME = london("2019-11-21 09:00")


def test_notice_period_is_48_hours() -> None:
    assert NOTICE_PERIOD == timedelta(hours=48)


def test_49_hours_before_moves_the_session() -> None:
    assert apply_change(START, START - timedelta(hours=49), NEW_TIME) is Outcome.MOVED


def test_49_hours_before_without_a_new_time_drops_it() -> None:
    assert apply_change(START, START - timedelta(hours=49), None) is Outcome.DROPPED


def test_exactly_48_hours_before_is_in_time() -> None:
    assert apply_change(START, START - timedelta(hours=48), None) is Outcome.DROPPED
    assert apply_change(START, START - timedelta(hours=48), NEW_TIME) is Outcome.MOVED


def test_a_second_inside_48_hours_is_late() -> None:
    notified = START - timedelta(hours=48) + timedelta(seconds=1)
    assert apply_change(START, notified, None) is Outcome.DEEMED_DELIVERED


def test_47_hours_before_is_deemed_delivered() -> None:
    assert apply_change(START, START - timedelta(hours=47), None) is Outcome.DEEMED_DELIVERED


def test_late_notice_with_a_new_time_is_still_deemed_delivered() -> None:
    assert apply_change(START, START - timedelta(hours=47), NEW_TIME) is Outcome.DEEMED_DELIVERED


def test_no_notice_is_deemed_delivered() -> None:
    assert apply_change(START, None, None) is Outcome.DEEMED_DELIVERED


def test_notice_at_the_start_is_late_not_refused() -> None:
    assert apply_change(START, START, None) is Outcome.DEEMED_DELIVERED


def test_only_deemed_delivered_counts_as_delivered() -> None:
    assert Outcome.DEEMED_DELIVERED.counts_as_delivered
    assert not Outcome.MOVED.counts_as_delivered
    assert not Outcome.DROPPED.counts_as_delivered


def test_outcome_values_match_the_session_status_column() -> None:
    assert [o.value for o in Outcome] == ["moved", "dropped", "deemed_delivered"]


# --- October 2019: clocks went back at 02:00 BST on Sunday 27 Oct -------------------------

OCT_START = london("2019-10-28 09:00")  # Monday, GMT


def test_october_line_is_10_00_bst_on_saturday() -> None:
    assert OCT_START == datetime(2019, 10, 28, 9, 0, tzinfo=UTC)
    assert notice_deadline(OCT_START) == london("2019-10-26 10:00")
    assert notice_deadline(OCT_START) == datetime(2019, 10, 26, 9, 0, tzinfo=UTC)


def test_october_notice_at_10_00_bst_saturday_is_in_time() -> None:
    assert apply_change(OCT_START, london("2019-10-26 10:00"), None) is Outcome.DROPPED


def test_october_notice_at_10_01_bst_saturday_is_late() -> None:
    assert apply_change(OCT_START, london("2019-10-26 10:01"), None) is Outcome.DEEMED_DELIVERED


def test_october_wall_clock_arithmetic_would_be_wrong() -> None:
    # Wall-clock arithmetic puts the line at 09:00 Saturday, an hour early, and would
    # wrongly call notice at 09:30 BST late; it is 49.5 elapsed hours before the start.
    assert notice_deadline(OCT_START) != london("2019-10-26 09:00")
    assert apply_change(OCT_START, london("2019-10-26 09:30"), None) is Outcome.DROPPED


def test_october_same_zone_aware_times_use_elapsed_time() -> None:
    # Two datetimes sharing the London tzinfo subtract on the wall clock in Python;
    # the rule must not, whatever zone the caller's instants are in.
    start_local = datetime(2019, 10, 28, 9, 0, tzinfo=LONDON)
    assert notice_deadline(start_local) == datetime(2019, 10, 26, 9, 0, tzinfo=UTC)
    late = datetime(2019, 10, 26, 10, 1, tzinfo=LONDON)
    assert apply_change(start_local, late, None) is Outcome.DEEMED_DELIVERED


# --- March 2020: clocks went forward at 01:00 GMT on Sunday 29 Mar -----------------------


def test_march_line_for_tuesday_session_is_08_00_utc_sunday() -> None:
    # 09:00 BST Tue 31 Mar is 08:00 UTC; 48 hours earlier is 08:00 UTC Sun 29 Mar,
    # which London's clocks (already on BST) showed as 09:00.
    start = london("2020-03-31 09:00")
    assert notice_deadline(start) == datetime(2020, 3, 29, 8, 0, tzinfo=UTC)
    assert notice_deadline(start) == london("2020-03-29 09:00")


def test_march_line_across_the_change_is_08_00_gmt_saturday() -> None:
    # 09:00 BST Mon 30 Mar is 08:00 UTC; the 48 hours span the change, so the line is
    # 08:00 GMT Sat 28 Mar, not the 09:00 that wall-clock arithmetic gives.
    start = london("2020-03-30 09:00")
    assert notice_deadline(start) == london("2020-03-28 08:00")
    assert apply_change(start, london("2020-03-28 08:00"), None) is Outcome.DROPPED
    assert apply_change(start, london("2020-03-28 08:01"), None) is Outcome.DEEMED_DELIVERED
    assert apply_change(start, london("2020-03-28 08:30"), None) is Outcome.DEEMED_DELIVERED


# --- refusals -----------------------------------------------------------------------------


def test_naive_session_start_is_refused() -> None:
    with pytest.raises(InvalidInput):
        notice_deadline(datetime(2019, 11, 14, 9, 0))


def test_naive_notice_is_refused() -> None:
    with pytest.raises(InvalidInput):
        apply_change(START, datetime(2019, 11, 10, 9, 0), None)


def test_naive_new_time_is_refused() -> None:
    with pytest.raises(InvalidInput):
        apply_change(START, START - timedelta(days=5), datetime(2019, 11, 21, 9, 0))


def test_notice_after_the_session_started_is_refused() -> None:
    with pytest.raises(RuleViolation):
        apply_change(START, START + timedelta(minutes=1), None)


def test_new_time_not_after_the_notice_is_refused() -> None:
    notified = START - timedelta(days=5)
    with pytest.raises(InvalidInput):
        apply_change(START, notified, notified)
    with pytest.raises(InvalidInput):
        apply_change(START, notified, notified - timedelta(hours=1))


def test_new_time_equal_to_the_old_is_refused() -> None:
    with pytest.raises(InvalidInput):
        apply_change(START, START - timedelta(days=5), START)


def test_new_time_without_notice_is_refused() -> None:
    with pytest.raises(InvalidInput):
        apply_change(START, None, NEW_TIME)


# --- properties ---------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
lead_times = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))


@given(start=instants, lead=lead_times)
def test_outcome_depends_only_on_elapsed_lead_time(start: datetime, lead: timedelta) -> None:
    outcome = apply_change(start, start - lead, None)
    assert outcome is (Outcome.DROPPED if lead >= timedelta(hours=48) else Outcome.DEEMED_DELIVERED)
    assert notice_in_time(start, start - lead) == (lead >= timedelta(hours=48))


@given(start=instants, lead=lead_times)
def test_outcome_does_not_depend_on_the_zone_instants_are_shown_in(start: datetime, lead: timedelta) -> None:
    in_utc = apply_change(start, start - lead, None)
    in_london = apply_change(start.astimezone(LONDON), (start - lead).astimezone(LONDON), None)
    assert in_utc is in_london


@given(start=instants)
def test_deadline_is_utc_and_48_elapsed_hours_before(start: datetime) -> None:
    deadline = notice_deadline(start.astimezone(LONDON))
    assert deadline.tzinfo is UTC
    assert start - deadline == timedelta(hours=48)
