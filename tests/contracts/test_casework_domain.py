"""Casework charged at the day rate, on plain values (domain-rules.md §2, §6): exact days, pence and dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from contracts.casework import (
    DESCRIPTION_MAX,
    CaseToCharge,
    DayRate,
    WorkedSession,
    case_charges,
    charge_key,
    periods_from,
)
from pricing.calendars import Term

D = Decimal
RATE_2019 = DayRate("2019/20", D("540.00"), D("6"), D("0.5"))  # 6 hours a day, rounded up to the half day
NONE = D("0")


def iso(day: date) -> str:
    return day.isoformat()


def worked(*sessions: tuple[str, str]) -> list[WorkedSession]:
    """Delivered sessions, (day, hours)."""
    return [WorkedSession(date.fromisoformat(day), D(hours), False) for day, hours in sessions]


def deemed(day: str, hours: str) -> WorkedSession:
    return WorkedSession(date.fromisoformat(day), D(hours), True)


def test_billing_terms_follow_one_another_from_the_referral() -> None:
    it = periods_from(date(2019, 12, 2))
    got = [(p.term, p.start, p.end) for p in (next(it), next(it), next(it), next(it))]
    assert got == [
        (Term.AUTUMN, date(2019, 9, 1), date(2019, 12, 31)),
        (Term.SPRING, date(2020, 1, 1), date(2020, 3, 31)),
        (Term.SUMMER, date(2020, 4, 1), date(2020, 8, 31)),
        (Term.AUTUMN, date(2020, 9, 1), date(2020, 12, 31)),
    ]


def test_worked_example_7_5_hours_are_1_5_days_due_on_closure() -> None:
    case = CaseToCharge(12, "C19-0002", date(2019, 9, 21), date(2019, 11, 1))
    sessions = worked(("2019-10-01", "2.5"), ("2019-10-08", "2.5"), ("2019-10-15", "2.5"))
    [charge] = case_charges(case, sessions, RATE_2019, set(), NONE, date(2019, 11, 1), iso)
    # 7.5 h / 6 = 1.25 days -> 1.5 days x 540.00.
    assert (charge.key, charge.days, charge.unit_price, charge.amount) == (
        "case/12/2019-09-01", D("1.5"), D("540.00"), D("810.00"))
    assert (charge.period_start, charge.period_end, charge.due_on) == (
        date(2019, 9, 1), date(2019, 11, 1), date(2019, 11, 1))
    assert (charge.detail.case, charge.detail.cumulative_hours, charge.detail.price_book) == (
        "C19-0002", D("7.5"), "2019/20")
    assert charge.description == (
        "Extra casework, case C19-0002: 1.5 days at the day rate for 7.5 hours (6 hours a day, rounded up to "
        "the half day); sessions: 2019-10-01 2.5h, 2019-10-08 2.5h, 2019-10-15 2.5h")


def test_a_deemed_delivered_session_counts_and_is_marked() -> None:
    case = CaseToCharge(13, "C19-0003", date(2019, 9, 22), date(2019, 11, 1))
    sessions = [deemed("2019-10-16", "2"), *worked(("2019-10-02", "4"), ("2019-10-09", "4"))]
    [charge] = case_charges(case, sessions, RATE_2019, set(), NONE, date(2019, 11, 1), iso)
    # 10 h = 1.67 days -> 2 days; sessions listed in day order.
    assert (charge.days, charge.amount) == (D("2.0"), D("1080.00"))
    assert charge.description.endswith("sessions: 2019-10-02 4h, 2019-10-09 4h, 2019-10-16 2h (deemed delivered)")


def test_nothing_is_due_before_the_term_ends_then_it_is_due_the_day_after() -> None:
    case = CaseToCharge(20, "C19-9001", date(2019, 9, 20), None)
    sessions = worked(("2019-12-20", "3"))
    assert case_charges(case, sessions, RATE_2019, set(), NONE, date(2019, 12, 31), iso) == []
    [charge] = case_charges(case, sessions, RATE_2019, set(), NONE, date(2020, 1, 1), iso)
    assert (charge.days, charge.amount, charge.period_end, charge.due_on) == (
        D("0.5"), D("270.00"), date(2019, 12, 31), date(2020, 1, 1))


def test_worked_example_two_terms_are_rounded_on_the_running_total() -> None:
    # 4 h in autumn -> 1 day; 4 h more in spring -> 8 h = 1.5 days in all, so 0.5 more, not another 1.
    case = CaseToCharge(21, "C19-9001", date(2019, 12, 2), date(2020, 1, 20))
    sessions = worked(("2019-12-10", "4"), ("2020-01-14", "4"))
    first, second = case_charges(case, sessions, RATE_2019, set(), NONE, date(2020, 2, 1), iso)
    assert (first.key, first.days, first.amount, first.due_on) == (
        "case/21/2019-09-01", D("1"), D("540.00"), date(2020, 1, 1))
    assert (second.key, second.days, second.amount, second.due_on, second.period_end) == (
        "case/21/2020-01-01", D("0.5"), D("270.00"), date(2020, 1, 20), date(2020, 1, 20))
    assert second.charged_before == D("1")
    assert second.sessions == (WorkedSession(date(2020, 1, 14), D("4"), False),)
    assert second.description == (
        "Extra casework, case C19-9001: 0.5 days at the day rate: the case's 8 hours are 1.5 days (6 hours a day, "
        "rounded up to the half day), less 1 day charged before; sessions this period: 2020-01-14 4h")


def test_a_period_already_charged_is_not_charged_again_and_later_ones_build_on_it() -> None:
    case = CaseToCharge(21, "C19-9001", date(2019, 12, 2), date(2020, 1, 20))
    sessions = worked(("2019-12-10", "4"), ("2020-01-14", "4"))
    [second] = case_charges(case, sessions, RATE_2019, {charge_key(21, date(2019, 9, 1))}, D("1.00"),
                            date(2020, 2, 1), iso)
    assert (second.key, second.days, second.amount) == ("case/21/2020-01-01", D("0.50"), D("270.00"))


def test_hours_within_what_was_charged_raise_nothing() -> None:
    case = CaseToCharge(22, "C19-9002", date(2019, 9, 2), date(2020, 1, 20))
    sessions = worked(("2019-12-10", "2"), ("2020-01-14", "1"))  # 3 h in all: still half a day
    [first] = case_charges(case, sessions, RATE_2019, set(), NONE, date(2020, 2, 1), iso)
    assert (first.key, first.days) == ("case/22/2019-09-01", D("0.5"))


def test_sessions_are_read_only_when_a_period_needs_charging() -> None:
    case = CaseToCharge(23, "C19-9003", date(2019, 9, 2), None)

    def never() -> Iterator[WorkedSession]:
        raise AssertionError("sessions read although nothing was due")
        yield  # pragma: no cover

    assert case_charges(case, never(), RATE_2019, set(), NONE, date(2019, 12, 31), iso) == []
    assert case_charges(case, never(), RATE_2019, {"case/23/2019-09-01"}, D("1"), date(2020, 1, 1), iso) == []


def test_the_day_rate_and_increment_come_from_the_price_book_version() -> None:
    quarter = DayRate("2020/21", D("555.00"), D("7.5"), D("0.25"))
    case = CaseToCharge(24, "C20-9001", date(2020, 9, 7), date(2020, 9, 15))
    [charge] = case_charges(case, worked(("2020-09-14", "2")), quarter, set(), NONE, date(2020, 9, 15), iso)
    # 2 h / 7.5 = 0.267 days -> 0.5 (two quarter days) x 555.00.
    assert (charge.days, charge.amount, charge.detail.price_book) == (D("0.50"), D("277.50"), "2020/21")
    assert "(7.5 hours a day, rounded up to the quarter day)" in charge.description


def test_a_long_list_of_sessions_is_summarised_within_the_line() -> None:
    case = CaseToCharge(25, "C19-9004", date(2019, 9, 2), date(2019, 12, 20))
    days = [date(2019, 9, 2 + n).isoformat() for n in range(25)]
    sessions = [*worked(*[(d, "1") for d in days[:-1]]), deemed(days[-1], "1")]
    [charge] = case_charges(case, sessions, RATE_2019, set(), NONE, date(2019, 12, 20), iso)
    assert (charge.days, charge.amount) == (D("4.5"), D("2430.00"))  # 25 h / 6 = 4.17 -> 4.5
    assert len(charge.description) <= DESCRIPTION_MAX
    assert charge.description.endswith("sessions: 25 sessions, 2019-09-02 to 2019-09-26, 25 hours "
                                       "(1 deemed delivered)")
