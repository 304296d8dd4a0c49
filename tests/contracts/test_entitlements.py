"""Entitlements per academic year: covered uses and uses beyond (domain-rules.md §2, §3, §6)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.entitlements import Usage, academic_year_of_referral, is_covered, summarise
from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput

# The initial tier, per academic year: one casework referral, one whole-class support, one CPD.
INITIAL = {"casework": 1, "whole_class": 1, "cpd": 1}
PREMIUM = {"casework": None, "whole_class": None, "cpd": None, "ambassadors": 1}


def test_initial_tier_covers_the_first_referral_only() -> None:
    assert [is_covered(INITIAL["casework"], n) for n in range(3)] == [True, False, False]


def test_premium_tier_covers_every_referral() -> None:
    assert all(is_covered(PREMIUM["casework"], n) for n in range(100))


def test_an_entitlement_of_nothing_covers_nothing() -> None:
    assert not is_covered(0, 0)


def test_counts_reset_on_1_september() -> None:
    assert academic_year_of_referral(date(2020, 8, 31)) == AcademicYear(2019)
    assert academic_year_of_referral(date(2020, 9, 1)) == AcademicYear(2020)
    assert academic_year_of_referral(date(2020, 8, 31)).name == "2019/20"
    assert academic_year_of_referral(date(2020, 9, 1)).name == "2020/21"


def test_an_initial_school_referring_either_side_of_1_september_is_covered_twice() -> None:
    referrals = [date(2020, 3, 2), date(2020, 8, 31), date(2020, 9, 1), date(2020, 10, 5)]
    used: dict[AcademicYear, int] = {}
    covered = []
    for day in referrals:
        year = academic_year_of_referral(day)
        covered.append(is_covered(INITIAL["casework"], used.get(year, 0)))
        used[year] = used.get(year, 0) + 1
    assert covered == [True, False, True, False]


def test_usage_beyond_and_remaining_for_a_capped_service() -> None:
    assert Usage("casework", 1, 3).beyond == 2
    assert Usage("casework", 1, 3).remaining == 0
    assert Usage("casework", 2, 1).beyond == 0
    assert Usage("casework", 2, 1).remaining == 1
    assert Usage("casework", 1, 1).beyond == 0
    assert Usage("casework", 1, 1).remaining == 0


def test_usage_without_a_cap_is_never_beyond() -> None:
    assert Usage("casework", None, 40).beyond == 0
    assert Usage("casework", None, 40).remaining is None


def test_summary_lists_every_service_in_either_mapping_sorted() -> None:
    result = summarise(INITIAL, {"casework": 3, "cpd": 1, "team_teach": 2})
    assert result == [
        Usage("casework", 1, 3),
        Usage("cpd", 1, 1),
        Usage("team_teach", 0, 2),
        Usage("whole_class", 1, 0),
    ]
    assert [(u.service, u.beyond) for u in result] == [
        ("casework", 2),
        ("cpd", 0),
        ("team_teach", 2),
        ("whole_class", 0),
    ]


def test_summary_keeps_no_cap_as_none() -> None:
    result = summarise(PREMIUM, {"casework": 7})
    assert result[1] == Usage("casework", None, 7)
    assert result[1].beyond == 0


def test_bad_counts_are_refused() -> None:
    with pytest.raises(InvalidInput):
        Usage("casework", -1, 0)
    with pytest.raises(InvalidInput):
        Usage("casework", 1, -1)
    with pytest.raises(InvalidInput):
        is_covered(1, -1)
    with pytest.raises(InvalidInput):
        is_covered(True, 0)
    with pytest.raises(InvalidInput):
        summarise({"casework": 1}, {"casework": 1.0})  # type: ignore[dict-item]


caps = st.none() | st.integers(min_value=0, max_value=50)
counts = st.integers(min_value=0, max_value=200)


@given(included=caps, used=counts)
def test_covered_uses_plus_uses_beyond_make_all_uses(included: int | None, used: int) -> None:
    covered = sum(is_covered(included, n) for n in range(used))
    usage = Usage("casework", included, used)
    assert covered + usage.beyond == used
    if included is not None:
        assert usage.remaining == included - covered
