"""A session's outcome decided on plain values (domain-rules.md §5): the 48-hour rule, delivery, settled sessions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from contracts.notice import Outcome, SessionAtSchool, SessionSettled, change_outcome, delivery
from contracts.states import SessionStatus
from pricing.clock import london_to_utc
from pricing.errors import InvalidInput, RuleViolation


def london(text: str) -> datetime:
    return london_to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


# Monday 28 Oct 2019 09:00 GMT; the clocks went back on the 27th, so its 48-hour line is 10:00 BST on Saturday.
START = london("2019-10-28 09:00")
SESSION = SessionAtSchool(id=5, status="scheduled", starts_at=START, planned_hours=Decimal("2.5"))
TODAY = date(2019, 10, 28)


def test_notice_at_10_00_bst_on_saturday_is_in_time_and_drops_the_session() -> None:
    change = change_outcome(SESSION, london("2019-10-26 10:00"), None, TODAY)
    assert (change.outcome, change.status, change.delivered_hours) == (
        Outcome.DROPPED, SessionStatus.DROPPED, None)


def test_in_time_with_a_new_time_moves_it() -> None:
    change = change_outcome(SESSION, london("2019-10-26 10:00"), london("2019-11-04 09:00"), TODAY)
    assert (change.outcome, change.status, change.delivered_hours) == (Outcome.MOVED, SessionStatus.MOVED, None)


def test_a_minute_late_is_deemed_delivered_with_its_planned_hours() -> None:
    change = change_outcome(SESSION, london("2019-10-26 10:01"), None, TODAY)
    assert (change.outcome, change.status, change.delivered_hours) == (
        Outcome.DEEMED_DELIVERED, SessionStatus.DEEMED_DELIVERED, Decimal("2.5"))


def test_no_notice_at_all_is_deemed_delivered() -> None:
    change = change_outcome(SESSION, None, None, TODAY)
    assert (change.status, change.delivered_hours) == (SessionStatus.DEEMED_DELIVERED, Decimal("2.5"))


def test_a_session_cannot_be_recorded_as_missed_before_its_day() -> None:
    with pytest.raises(RuleViolation, match="cannot be recorded as missed yet"):
        change_outcome(SESSION, None, None, date(2019, 10, 27))


def test_notice_dated_after_the_as_of_day_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"is after today \(2019-10-25\)"):
        change_outcome(SESSION, london("2019-10-26 10:00"), None, date(2019, 10, 25))


def test_delivery_counts_the_planned_hours_and_waits_for_the_day() -> None:
    done = delivery(SESSION, TODAY)
    assert (done.status, done.planned_hours) == (SessionStatus.DELIVERED, Decimal("2.5"))
    with pytest.raises(RuleViolation, match="cannot have been delivered yet"):
        delivery(SESSION, date(2019, 10, 27))


@pytest.mark.parametrize("status", ["delivered", "moved", "dropped", "deemed_delivered"])
def test_a_settled_session_keeps_its_outcome(status: str) -> None:
    settled = SessionAtSchool(5, status, START, Decimal("2.5"))
    for attempt in (lambda: delivery(settled, TODAY),
                    lambda: change_outcome(settled, START - timedelta(hours=72), None, TODAY)):
        with pytest.raises(SessionSettled) as refused:
            attempt()
        assert refused.value.code == "session_settled"
        assert refused.value.message == (f"Session 5 at 2019-10-28 09:00 is already {status.replace('_', ' ')} "
                                         "and cannot be changed.")

