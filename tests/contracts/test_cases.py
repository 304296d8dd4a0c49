"""Case references, the eight-week plan and case dates (domain-rules.md §6)."""

from __future__ import annotations

import re
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
    next_case_ref,
    plan_end,
    serial_of,
    validate_case_ref,
)
from pricing.clock import london_to_utc
from pricing.errors import InvalidInput, RuleViolation
from pricing.pricebook import CaseRefs

# --- references ---------------------------------------------------------------------------


DEFAULT = CaseRefs()  # the price book's default pattern: C25-0001


@pytest.mark.parametrize(
    ("given_ref", "expected"),
    [
        ("C25-0001", "C25-0001"),
        ("c19-0042", "C19-0042"),
        ("  C25-9999 ", "C25-9999"),
    ],
)
def test_valid_refs_are_upper_cased(given_ref: str, expected: str) -> None:
    assert validate_case_ref(given_ref, DEFAULT) == expected


@pytest.mark.parametrize(
    "bad_ref",
    [
        "JAMIE-SMITH-2014",  # a child's name and year of birth: the pattern has no room for it
        "John Smith",
        "jsmith",
        "C25-JS01",  # initials in the serial
        "C-2019-001",  # the old free-form codes
        "C25-001",  # too few digits
        "C25-00001",  # too many
        "CS25-0001",  # another prefix
        "C2025-0001",
        "C25_0001",
        "C25-0001\n",  # a trailing line break is not trimmed away
        "C25-\x1b[31m01",
        "C\u0662\u0665-0001",  # non-ASCII digits
        "\uff23\uff12\uff15-0001",  # full-width letters and digits
        "",
        "   ",
    ],
)
def test_refs_not_in_the_councils_pattern_are_refused(bad_ref: str) -> None:
    with pytest.raises(InvalidInput):
        validate_case_ref(bad_ref, DEFAULT)


def test_the_refusal_gives_the_pattern_and_does_not_echo_the_ref() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_case_ref("Jamie Smith 2014-03-02", DEFAULT)
    message = refused.value.message
    assert "Jamie" not in message and "JAMIE" not in message and "2014" not in message
    assert message == ('A case reference must look like C25-0001 (pattern ^C\\d{2}-\\d{4}$: "C", the academic '
                       'year\'s two digits, "-" and 4 digits); leave it out and the next one is assigned.')


def test_a_council_sets_its_own_prefix_and_serial_width() -> None:
    refs = CaseRefs(prefix="EBC", serial_digits=5)
    assert refs.pattern == r"^EBC\d{2}-\d{5}$"
    assert validate_case_ref("ebc25-00042", refs) == "EBC25-00042"
    with pytest.raises(InvalidInput, match="EBC25-00001"):
        validate_case_ref("C25-0001", refs)


@given(st.text(min_size=0, max_size=30))
def test_anything_accepted_matches_the_pattern(ref: str) -> None:
    try:
        code = validate_case_ref(ref, DEFAULT)
    except InvalidInput:
        return
    assert re.fullmatch(r"C[0-9]{2}-[0-9]{4}", code)


@given(st.integers(2000, 2099), st.integers(1, 9999))
def test_made_refs_round_trip(year: int, serial: int) -> None:
    code = DEFAULT.make(year, serial)
    assert validate_case_ref(code, DEFAULT) == code
    assert serial_of(code, DEFAULT, year) == serial


def test_the_next_ref_is_one_past_the_highest_of_that_academic_year() -> None:
    assert next_case_ref(DEFAULT, 2025, []) == "C25-0001"
    taken = ["C25-0001", "C25-0007", "C24-0100", "B141234-3", "JAMIE-SMITH-2014", "C25-00099"]
    assert next_case_ref(DEFAULT, 2025, taken) == "C25-0008"  # other years and other patterns ignored
    assert next_case_ref(DEFAULT, 2024, taken) == "C24-0101"
    with pytest.raises(RuleViolation, match="C25-9999"):
        next_case_ref(DEFAULT, 2025, ["C25-9999"])


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
