"""Case references, the eight-week plan and case dates (domain-rules.md §6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.cases import (
    PLAN_WEEKS,
    acknowledged_late,
    beyond_plan,
    check_closure,
    check_planning,
    plan_end,
    validate_case_ref,
)
from pricing.clock import london_to_utc
from pricing.errors import InvalidInput, RuleViolation

# --- references ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_ref", "expected"),
    [
        ("C-2019-001", "C-2019-001"),
        ("c-2019-001", "C-2019-001"),
        ("  ab12 ", "AB12"),
        ("A1B", "A1B"),
        ("123", "123"),
        ("X" * 19 + "9", "X" * 19 + "9"),
    ],
)
def test_valid_refs_are_upper_cased(given_ref: str, expected: str) -> None:
    assert validate_case_ref(given_ref) == expected


@pytest.mark.parametrize(
    "bad_ref",
    [
        "John Smith",  # a name with a space
        "jsmith",  # a name without a digit
        "AMY",  # even a short name has no digit
        "Amy 2",  # a space inside
        "C1",  # too short
        "C" * 20 + "1",  # too long for the 20-character ref column
        "C_2019_001",  # underscore not allowed
        "CASE/12",
        "CAFÉ12",
        "",
    ],
)
def test_name_like_or_malformed_refs_are_refused(bad_ref: str) -> None:
    with pytest.raises(InvalidInput):
        validate_case_ref(bad_ref)


def test_a_refused_ref_is_not_echoed_in_the_message() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_case_ref("Jane Doe")
    assert "Jane" not in refused.value.message
    assert "JANE" not in refused.value.message


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=3, max_size=20))
def test_refs_without_a_digit_are_always_refused(ref: str) -> None:
    with pytest.raises(InvalidInput):
        validate_case_ref(ref)


@given(st.from_regex(r"[A-Za-z0-9-]{0,10}[0-9][A-Za-z0-9-]{0,9}", fullmatch=True).filter(lambda s: len(s) >= 3))
def test_valid_refs_round_trip(ref: str) -> None:
    code = validate_case_ref(ref)
    assert code == ref.upper()
    assert validate_case_ref(code) == code


# --- the eight-week plan ------------------------------------------------------------------


def test_plan_runs_eight_weeks_from_the_planning_meeting() -> None:
    assert PLAN_WEEKS == 8
    assert plan_end(date(2019, 9, 16)) == date(2019, 11, 11)


def test_a_session_on_the_last_day_of_the_plan_is_within_it() -> None:
    assert not beyond_plan(date(2019, 9, 16), date(2019, 11, 11))


def test_a_session_the_day_after_the_plan_is_beyond_it() -> None:
    assert beyond_plan(date(2019, 9, 16), date(2019, 11, 12))


def test_no_planning_meeting_means_nothing_is_beyond_the_plan() -> None:
    assert not beyond_plan(None, date(2030, 1, 1))


# --- case dates ---------------------------------------------------------------------------


def test_planning_on_or_after_referral_is_accepted() -> None:
    check_planning(date(2019, 9, 10), date(2019, 9, 10))
    check_planning(date(2019, 9, 10), date(2019, 9, 16))


def test_planning_before_referral_is_refused() -> None:
    with pytest.raises(RuleViolation):
        check_planning(date(2019, 9, 10), date(2019, 9, 9))


def test_closure_on_or_after_referral_is_accepted() -> None:
    check_closure(date(2019, 9, 10), date(2019, 9, 10))
    check_closure(date(2019, 9, 10), date(2019, 11, 30), planning_on=date(2019, 9, 16))


def test_closure_before_referral_is_refused() -> None:
    with pytest.raises(RuleViolation):
        check_closure(date(2019, 9, 10), date(2019, 9, 9))


def test_closure_before_planning_is_refused() -> None:
    with pytest.raises(RuleViolation):
        check_closure(date(2019, 9, 10), date(2019, 9, 12), planning_on=date(2019, 9, 16))


# --- acknowledgement within 48 hours ------------------------------------------------------


def london(text: str) -> datetime:
    return london_to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def test_acknowledged_exactly_48_hours_later_is_on_time() -> None:
    referred = london("2019-11-11 09:00")
    assert not acknowledged_late(referred, referred + timedelta(hours=48))


def test_acknowledged_a_minute_over_48_hours_is_late() -> None:
    referred = london("2019-11-11 09:00")
    assert acknowledged_late(referred, referred + timedelta(hours=48, minutes=1))


def test_acknowledgement_across_the_october_clock_change_uses_elapsed_time() -> None:
    # 09:00 BST Sat 26 Oct to 09:00 GMT Mon 28 Oct 2019 is 49 hours, not 48.
    assert acknowledged_late(london("2019-10-26 09:00"), london("2019-10-28 09:00"))
    assert not acknowledged_late(london("2019-10-26 09:00"), london("2019-10-28 08:00"))


def test_acknowledgement_refuses_naive_and_backwards_times() -> None:
    with pytest.raises(InvalidInput):
        acknowledged_late(datetime(2019, 11, 11, 9, 0), datetime(2019, 11, 12, 9, 0, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        acknowledged_late(london("2019-11-11 09:00"), london("2019-11-11 08:59"))
