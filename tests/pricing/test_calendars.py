"""Academic and financial years, billing terms and working days (domain-rules §1)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.calendars import (
    AcademicYear,
    CalendarError,
    FinancialYear,
    Term,
    TermPeriod,
    add_working_days,
    days_inclusive,
    is_bank_holiday,
    is_working_day,
    overlap_days,
    term_of,
    terms,
    working_days_between,
)
from pricing.errors import InvalidInput

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
# Working-day properties read the holidays package; keep them to years it models well.
recent = st.dates(min_value=date(2012, 1, 1), max_value=date(2030, 12, 31))


# --- academic year: 1 Sep to 31 Aug -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2019, 8, 31), "2018/19"),
        (date(2019, 9, 1), "2019/20"),
        (date(2019, 12, 31), "2019/20"),
        (date(2020, 1, 1), "2019/20"),
        (date(2020, 8, 31), "2019/20"),
        (date(2020, 9, 1), "2020/21"),
        (date(1999, 9, 1), "1999/00"),
    ],
)
def test_academic_year_of_a_date(day: date, name: str) -> None:
    assert AcademicYear.of(day).name == name
    assert str(AcademicYear.of(day)) == name


def test_academic_year_bounds_and_days() -> None:
    year = AcademicYear.parse("2019/20")
    assert year == AcademicYear(2019)
    assert (year.start, year.end) == (date(2019, 9, 1), date(2020, 8, 31))
    assert year.days == 366  # includes 29 Feb 2020
    assert AcademicYear(2020).days == 365
    assert AcademicYear(2023).days == 366  # 29 Feb 2024
    assert year.next() == AcademicYear(2020)
    assert year.previous() == AcademicYear(2018)
    assert date(2020, 8, 31) in year
    assert date(2020, 9, 1) not in year
    assert AcademicYear(2018) < AcademicYear(2019)


@pytest.mark.parametrize("text", ["2019/20", " 2019/20 ", "1999/00"])
def test_academic_year_parse(text: str) -> None:
    assert AcademicYear.parse(text).name == text.strip()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2019/21", "must name two consecutive years"),
        ("2019/19", "must name two consecutive years"),
        ("2019-20", "must look like 2019/20"),
        ("19/20", "must look like 2019/20"),
        ("2019/2020", "must look like 2019/20"),
        ("FY2019/20", "must look like 2019/20"),
        ("", "must look like 2019/20"),
    ],
)
def test_academic_year_parse_refuses_bad_names(text: str, reason: str) -> None:
    with pytest.raises(CalendarError, match=reason):
        AcademicYear.parse(text)


# --- financial year: 1 Apr to 31 Mar ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2019, 3, 31), "FY2018/19"),
        (date(2019, 4, 1), "FY2019/20"),
        (date(2020, 3, 31), "FY2019/20"),
        (date(2020, 4, 1), "FY2020/21"),
    ],
)
def test_financial_year_of_a_date(day: date, name: str) -> None:
    assert FinancialYear.of(day).name == name


def test_financial_year_bounds_and_days() -> None:
    year = FinancialYear.parse("FY2019/20")
    assert year == FinancialYear(2019)
    assert (year.start, year.end) == (date(2019, 4, 1), date(2020, 3, 31))
    assert year.days == 366  # includes 29 Feb 2020
    assert FinancialYear(2020).days == 365
    assert year.next() == FinancialYear(2020)
    assert str(year) == "FY2019/20"
    assert date(2020, 3, 31) in year and date(2020, 4, 1) not in year


def test_an_academic_year_spans_two_financial_years_by_days() -> None:
    ay = AcademicYear(2019)
    first = overlap_days(ay.start, ay.end, FinancialYear(2019).start, FinancialYear(2019).end)
    second = overlap_days(ay.start, ay.end, FinancialYear(2020).start, FinancialYear(2020).end)
    assert (first, second) == (213, 153)
    assert first + second == ay.days


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2019/20", "must look like FY2019/20"),
        ("FY2019/21", "two consecutive years"),
        ("FY19/20", "must look like"),
    ],
)
def test_financial_year_parse_refuses_bad_names(text: str, reason: str) -> None:
    with pytest.raises(CalendarError, match=reason):
        FinancialYear.parse(text)


def test_calendar_error_is_invalid_input() -> None:
    assert issubclass(CalendarError, InvalidInput)


@given(dates)
def test_every_date_is_in_exactly_one_academic_and_one_financial_year(day: date) -> None:
    ay = AcademicYear.of(day)
    assert ay.start <= day <= ay.end
    assert day in ay and day not in ay.next() and day not in ay.previous()
    assert AcademicYear.parse(ay.name) == ay
    assert ay.start == date(ay.start_year, 9, 1)
    fy = FinancialYear.of(day)
    assert fy.start <= day <= fy.end
    assert day in fy and day not in fy.next() and day not in FinancialYear(fy.start_year - 1)
    assert FinancialYear.parse(fy.name) == fy


@given(st.integers(min_value=1900, max_value=2200))
def test_a_year_has_366_days_exactly_when_it_holds_29_february(start_year: int) -> None:
    leap = (start_year + 1) % 4 == 0 and ((start_year + 1) % 100 != 0 or (start_year + 1) % 400 == 0)
    assert AcademicYear(start_year).days == (366 if leap else 365)
    assert FinancialYear(start_year).days == (366 if leap else 365)
    assert AcademicYear(start_year).next().start == AcademicYear(start_year).end + timedelta(days=1)


# --- billing terms: 1 Sep, 1 Jan, 1 Apr ---------------------------------------------------


def test_terms_of_2019_20() -> None:
    assert terms(AcademicYear(2019)) == [
        TermPeriod(Term.AUTUMN, date(2019, 9, 1), date(2019, 12, 31)),
        TermPeriod(Term.SPRING, date(2020, 1, 1), date(2020, 3, 31)),
        TermPeriod(Term.SUMMER, date(2020, 4, 1), date(2020, 8, 31)),
    ]


@pytest.mark.parametrize(
    ("day", "term", "start"),
    [
        (date(2019, 9, 1), Term.AUTUMN, date(2019, 9, 1)),
        (date(2019, 12, 31), Term.AUTUMN, date(2019, 9, 1)),
        (date(2020, 1, 1), Term.SPRING, date(2020, 1, 1)),
        (date(2020, 3, 31), Term.SPRING, date(2020, 1, 1)),
        (date(2020, 4, 1), Term.SUMMER, date(2020, 4, 1)),
        (date(2020, 8, 31), Term.SUMMER, date(2020, 4, 1)),
        (date(2020, 9, 1), Term.AUTUMN, date(2020, 9, 1)),
    ],
)
def test_term_of_a_date(day: date, term: Term, start: date) -> None:
    period = term_of(day)
    assert (period.term, period.start) == (term, start)


@given(dates)
def test_terms_tile_the_academic_year(day: date) -> None:
    ay = AcademicYear.of(day)
    periods = terms(ay)
    assert periods[0].start == ay.start and periods[-1].end == ay.end
    for earlier, later in zip(periods, periods[1:], strict=False):
        assert later.start == earlier.end + timedelta(days=1)
    assert sum(days_inclusive(p.start, p.end) for p in periods) == ay.days
    period = term_of(day)
    assert period.start <= day <= period.end and period in periods


# --- day counts ---------------------------------------------------------------------------


def test_days_inclusive_and_overlap() -> None:
    assert days_inclusive(date(2019, 9, 1), date(2019, 9, 1)) == 1
    assert days_inclusive(date(2019, 9, 1), date(2020, 8, 31)) == 366
    assert days_inclusive(date(2019, 9, 2), date(2019, 9, 1)) == 0
    assert overlap_days(date(2019, 9, 1), date(2019, 9, 30), date(2019, 9, 20), date(2019, 10, 10)) == 11
    assert overlap_days(date(2019, 9, 1), date(2019, 9, 30), date(2019, 10, 1), date(2019, 10, 10)) == 0


# --- working days: Monday-Friday less England and Wales bank holidays ---------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2020, 5, 8), False),  # early May bank holiday moved to VE Day
        (date(2020, 5, 4), True),  # ...so the first Monday in May 2020 was a working day
        (date(2022, 9, 19), False),  # State Funeral
        (date(2023, 5, 8), False),  # Coronation
        (date(2022, 6, 2), False),  # Spring bank holiday moved for the Platinum Jubilee
        (date(2022, 6, 3), False),  # Platinum Jubilee
        (date(2022, 5, 30), True),  # the usual last Monday in May, not a holiday in 2022
        (date(2020, 12, 25), False),
        (date(2020, 12, 28), False),  # Boxing Day (Saturday) substitute
        (date(2020, 12, 29), True),
        (date(2021, 12, 27), False),  # Christmas (Saturday) substitute
        (date(2021, 12, 28), False),  # Boxing Day (Sunday) substitute
        (date(2021, 12, 29), True),
        (date(2022, 12, 26), False),  # Boxing Day, Monday
        (date(2022, 12, 27), False),  # Christmas (Sunday) substitute
        (date(2022, 1, 3), False),  # New Year's Day (Saturday) substitute
        (date(2019, 10, 26), False),  # a Saturday
        (date(2019, 10, 27), False),  # a Sunday
        (date(2019, 10, 28), True),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_bank_holidays_come_from_the_data_package() -> None:
    assert is_bank_holiday(date(2020, 5, 8))
    assert not is_bank_holiday(date(2020, 5, 4))
    assert is_bank_holiday(date(2020, 8, 31))  # late summer bank holiday (England, not Scotland)
    assert not is_bank_holiday(date(2020, 8, 3))  # Scotland's summer holiday is not England's


def test_working_days_across_a_bank_holiday_week() -> None:
    # Easter 2020: Good Friday 10 Apr and Easter Monday 13 Apr in a fortnight of ten weekdays.
    assert working_days_between(date(2020, 4, 6), date(2020, 4, 17)) == 8
    # Christmas 2020: 25 Dec, the Boxing Day substitute on 28 Dec and 1 Jan out of ten weekdays.
    assert working_days_between(date(2020, 12, 21), date(2021, 1, 1)) == 7
    # VE Day week: Mon 4 to Fri 8 May 2020.
    assert working_days_between(date(2020, 5, 4), date(2020, 5, 8)) == 4
    assert working_days_between(date(2020, 5, 8), date(2020, 5, 4)) == 0
    assert working_days_between(date(2020, 5, 9), date(2020, 5, 10)) == 0


def test_add_working_days() -> None:
    assert add_working_days(date(2020, 5, 7), 1) == date(2020, 5, 11)  # over VE Day and a weekend
    assert add_working_days(date(2020, 12, 24), 1) == date(2020, 12, 29)
    assert add_working_days(date(2021, 12, 24), 1) == date(2021, 12, 29)
    assert add_working_days(date(2020, 5, 8), 0) == date(2020, 5, 8)
    assert add_working_days(date(2019, 10, 28), 5) == date(2019, 11, 4)
    with pytest.raises(CalendarError, match="non-negative"):
        add_working_days(date(2020, 5, 7), -1)


@given(recent, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_working_day_counts_add_up(start: date, first: int, second: int) -> None:
    middle = start + timedelta(days=first)
    end = middle + timedelta(days=second)
    assert working_days_between(start, end) == working_days_between(start, middle) + working_days_between(
        middle + timedelta(days=1), end
    )
    assert working_days_between(start, end) <= days_inclusive(start, end)


@given(recent, st.integers(min_value=1, max_value=30))
def test_add_working_days_lands_on_the_nth_working_day(start: date, n: int) -> None:
    result = add_working_days(start, n)
    assert is_working_day(result)
    assert working_days_between(start + timedelta(days=1), result) == n
