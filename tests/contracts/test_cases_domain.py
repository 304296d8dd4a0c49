"""A case's life decided on plain values (domain-rules.md §6): referral, closure, acknowledgement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.cases import (
    CaseClosed,
    CaseDates,
    check_acknowledgement,
    check_close,
    check_open,
    check_referral_date,
    referral_acknowledged_late,
    referral_clock_start,
)
from pricing.errors import InvalidInput, RuleViolation

CASE = CaseDates("C19-0001", date(2019, 9, 20), planning_on=date(2019, 9, 25))


def test_a_referral_cannot_be_dated_after_the_as_of_day() -> None:
    check_referral_date("C19-0001", date(2019, 9, 20), date(2019, 9, 20))
    with pytest.raises(InvalidInput, match=r"^The case: the referral date 2019-09-21 is after today \(2019-09-20\)"):
        check_referral_date(None, date(2019, 9, 21), date(2019, 9, 20))


def test_a_closed_case_cannot_be_changed() -> None:
    check_open(CASE)
    with pytest.raises(CaseClosed) as refused:
        check_open(CaseDates("C19-0001", date(2019, 9, 20), closed_on=date(2019, 11, 1)))
    assert refused.value.code == "case_closed"
    assert refused.value.message == "Case C19-0001 closed on 2019-11-01 and cannot be changed."


def test_closing_needs_every_session_settled_and_no_later_work() -> None:
    settled = [("delivered", date(2019, 10, 1)), ("dropped", date(2019, 10, 20)),
               ("deemed_delivered", date(2019, 10, 8))]
    check_close(CASE, date(2019, 10, 8), date(2019, 11, 1), settled)
    with pytest.raises(RuleViolation, match="still has 1 scheduled session"):
        check_close(CASE, date(2019, 11, 1), date(2019, 11, 1), [*settled, ("scheduled", date(2019, 11, 5))])
    with pytest.raises(RuleViolation, match="cannot close on 2019-10-07: it has work recorded on 2019-10-08"):
        check_close(CASE, date(2019, 10, 7), date(2019, 11, 1), settled)


def test_closing_is_refused_before_the_planning_meeting_or_after_the_as_of_day() -> None:
    with pytest.raises(RuleViolation, match="cannot close earlier"):
        check_close(CASE, date(2019, 9, 24), date(2019, 11, 1), [])
    with pytest.raises(InvalidInput, match=r"after today \(2019-11-01\)"):
        check_close(CASE, date(2019, 11, 2), date(2019, 11, 1), [])


def test_the_referral_clock_starts_at_london_midnight_after_the_referral_day() -> None:
    assert referral_clock_start(date(2019, 9, 20)) == datetime(2019, 9, 20, 23, 0, tzinfo=UTC)  # BST
    assert referral_clock_start(date(2019, 11, 20)) == datetime(2019, 11, 21, 0, 0, tzinfo=UTC)  # GMT


def test_an_acknowledgement_is_late_after_48_hours_from_the_clock_start() -> None:
    start = referral_clock_start(date(2019, 11, 20))
    assert not referral_acknowledged_late(date(2019, 11, 20), start + timedelta(hours=48))
    assert referral_acknowledged_late(date(2019, 11, 20), start + timedelta(hours=48, minutes=1))
    assert not referral_acknowledged_late(date(2019, 11, 20), start - timedelta(hours=3))  # on the day itself


def test_an_acknowledgement_is_recorded_once_between_the_referral_and_the_as_of_day() -> None:
    at = datetime(2019, 9, 21, 9, 0, tzinfo=UTC)
    check_acknowledgement(CASE, at, date(2019, 9, 21))
    with pytest.raises(RuleViolation, match="already acknowledged") as refused:
        check_acknowledgement(CaseDates("C19-0001", date(2019, 9, 20), acknowledged_at=at), at, date(2019, 9, 21))
    assert refused.value.code == "already_acknowledged"
    with pytest.raises(InvalidInput, match="before the referral"):
        check_acknowledgement(CASE, datetime(2019, 9, 19, 9, 0, tzinfo=UTC), date(2019, 9, 21))
    with pytest.raises(InvalidInput, match=r"after today \(2019-09-20\)"):
        check_acknowledgement(CASE, at, date(2019, 9, 20))
