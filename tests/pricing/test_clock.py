"""Europe/London wall-clock times, UTC instants and the as-of clock (domain-rules preamble, §5)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.clock import (
    LONDON,
    FixedClock,
    TimeError,
    end_of_day_utc,
    format_london,
    london_to_utc,
    parse_date,
    parse_london,
    start_of_day_utc,
    utc_to_london,
)
from pricing.errors import InvalidInput


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- London to UTC across the changes of the clocks ---------------------------------------


@pytest.mark.parametrize(
    ("local", "instant"),
    [
        (datetime(2019, 7, 1, 9, 0), utc(2019, 7, 1, 8, 0)),  # BST
        (datetime(2019, 12, 1, 9, 0), utc(2019, 12, 1, 9, 0)),  # GMT
        # 27 Oct 2019: clocks go back at 02:00 BST to 01:00 GMT.
        (datetime(2019, 10, 27, 0, 59), utc(2019, 10, 26, 23, 59)),
        (datetime(2019, 10, 27, 1, 30), utc(2019, 10, 27, 0, 30)),  # ambiguous: read as BST
        (datetime(2019, 10, 27, 2, 0), utc(2019, 10, 27, 2, 0)),
        # 29 Mar 2020: clocks go forward at 01:00 GMT to 02:00 BST.
        (datetime(2020, 3, 29, 0, 59), utc(2020, 3, 29, 0, 59)),
        (datetime(2020, 3, 29, 2, 0), utc(2020, 3, 29, 1, 0)),
    ],
)
def test_london_to_utc(local: datetime, instant: datetime) -> None:
    assert london_to_utc(local) == instant
    assert london_to_utc(local).utcoffset() == timedelta(0)


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_a_time_skipped_when_the_clocks_go_forward_is_refused(minute: int) -> None:
    with pytest.raises(TimeError, match=rf"2020-03-29 01:{minute:02d} does not exist in Europe/London"):
        london_to_utc(datetime(2020, 3, 29, 1, minute))
    with pytest.raises(TimeError):
        parse_london(f"2020-03-29 01:{minute:02d}")


def test_an_aware_time_is_simply_converted() -> None:
    paris = timezone(timedelta(hours=1))
    assert london_to_utc(datetime(2019, 12, 1, 10, 0, tzinfo=paris)) == utc(2019, 12, 1, 9, 0)


def test_utc_to_london_shows_bst_and_gmt() -> None:
    summer = utc_to_london(utc(2019, 10, 27, 0, 30))
    assert (summer.hour, summer.minute, summer.tzname()) == (1, 30, "BST")
    winter = utc_to_london(utc(2019, 10, 27, 1, 30))
    assert (winter.hour, winter.minute, winter.tzname()) == (1, 30, "GMT")
    assert utc_to_london(datetime(2019, 7, 1, 8, 0)).hour == 9  # a naive instant is UTC


# --- the 48-hour rule's worked example ----------------------------------------------------


def test_48_hours_before_9am_monday_28_october_2019_is_10am_bst_saturday() -> None:
    session = parse_london("2019-10-28 09:00")
    assert session == utc(2019, 10, 28, 9, 0)  # GMT: the clocks went back on the 27th
    line = session - timedelta(hours=48)
    assert line == utc(2019, 10, 26, 9, 0)
    shown = utc_to_london(line)
    assert (shown.date(), shown.hour, shown.minute, shown.tzname()) == (date(2019, 10, 26), 10, 0, "BST")
    assert shown.strftime("%A") == "Saturday"
    assert format_london(line) == "2019-10-26 10:00"
    # Wall-clock arithmetic would wrongly put the line at 09:00.
    assert parse_london("2019-10-26 09:00") != line


# --- parsing and formatting ---------------------------------------------------------------


def test_parse_and_format_london() -> None:
    assert parse_london(" 2019-10-28 09:00 ") == utc(2019, 10, 28, 9, 0)
    assert format_london(utc(2019, 7, 1, 8, 0)) == "2019-07-01 09:00"
    assert format_london(datetime(2019, 7, 1, 8, 0)) == "2019-07-01 09:00"


@pytest.mark.parametrize(
    "text", ["2019-10-28T09:00", "2019-10-28", "28/10/2019 09:00", "", "2019-10-28 9:00"]
)
def test_parse_london_refuses_bad_times(text: str) -> None:
    with pytest.raises(TimeError, match="must look like 2019-10-28 09:00"):
        parse_london(text)


def test_parse_date() -> None:
    assert parse_date("2019-09-01") == date(2019, 9, 1)
    assert parse_date(" 2020-02-29 ") == date(2020, 2, 29)
    for bad in ("01/09/2019", "2019-9-1x", "", "2019-09-01T00:00", "２０１９-09-01", "12019-09-01"):
        with pytest.raises(TimeError, match="must look like 2019-09-01"):
            parse_date(bad)
    with pytest.raises(TimeError, match="^2025-02-29 is not a date: 2025-02 has no day 29$"):
        parse_date("2025-02-29")
    with pytest.raises(TimeError, match="^2025-13-01 is not a date: there is no month 13$"):
        parse_date("2025-13-01")
    for far in ("1999-12-31", "2100-01-01", "9999-12-31", "0001-01-01"):
        with pytest.raises(TimeError, match=f"^{far} is outside the dates traded accepts"):
            parse_date(far)
    assert (parse_date("2000-01-01"), parse_date("2099-12-31")) == (date(2000, 1, 1), date(2099, 12, 31))


def test_parse_london_refuses_days_out_of_range_and_days_that_do_not_exist() -> None:
    for bad in ("2025-02-29 09:00", "2019-13-01 09:00", "2019-10-28 25:00"):
        with pytest.raises(TimeError, match=f"^{bad} is not a time"):
            parse_london(bad)
    with pytest.raises(TimeError, match="outside the dates traded accepts"):
        parse_london("9999-12-31 09:00")


def test_time_error_is_invalid_input() -> None:
    assert issubclass(TimeError, InvalidInput)


def test_days_in_london_start_at_local_midnight() -> None:
    # 27 Oct 2019 has 25 hours in London; 29 Mar 2020 has 23.
    assert start_of_day_utc(date(2019, 10, 27)) == utc(2019, 10, 26, 23, 0)
    assert end_of_day_utc(date(2019, 10, 27)) == utc(2019, 10, 28, 0, 0) - timedelta(microseconds=1)
    assert start_of_day_utc(date(2020, 3, 29)) == utc(2020, 3, 29, 0, 0)
    assert end_of_day_utc(date(2020, 3, 29)) == utc(2020, 3, 29, 23, 0) - timedelta(microseconds=1)
    assert start_of_day_utc(date(2019, 12, 1)) == utc(2019, 12, 1, 0, 0)


# --- the as-of clock ----------------------------------------------------------------------


def test_fixed_clock_without_an_instant_means_noon_in_london() -> None:
    assert FixedClock(date(2019, 7, 1)).today() == date(2019, 7, 1)
    assert FixedClock(date(2019, 7, 1)).now() == utc(2019, 7, 1, 11, 0)
    assert FixedClock(date(2019, 12, 2)).now() == utc(2019, 12, 2, 12, 0)


def test_fixed_clock_instant_is_reported_in_utc() -> None:
    london = datetime(2019, 7, 1, 9, 0, tzinfo=LONDON)
    assert FixedClock(date(2019, 7, 1), london).now() == utc(2019, 7, 1, 8, 0)
    assert FixedClock(date(2019, 7, 1), london).now().utcoffset() == timedelta(0)


def test_a_naive_fixed_instant_is_utc_whatever_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert FixedClock(date(2019, 7, 1), datetime(2019, 7, 1, 9, 0)).now() == utc(2019, 7, 1, 9, 0)
    finally:
        monkeypatch.undo()
        time.tzset()


# --- properties ---------------------------------------------------------------------------

local_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31))
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)


def _in_spring_gap(local: datetime) -> bool:
    """The hour skipped on the last Sunday of March (01:00-01:59 does not exist)."""
    last_sunday = max(date(local.year, 3, d) for d in range(25, 32) if date(local.year, 3, d).weekday() == 6)
    return local.date() == last_sunday and local.hour == 1


@given(local_times)
def test_every_existing_london_time_round_trips(local: datetime) -> None:
    if _in_spring_gap(local):
        with pytest.raises(TimeError):
            london_to_utc(local)
        return
    assert utc_to_london(london_to_utc(local)).replace(tzinfo=None) == local


@given(instants)
def test_every_instant_reads_back_as_itself_or_its_bst_twin(instant: datetime) -> None:
    wall = utc_to_london(instant).replace(tzinfo=None)
    back = london_to_utc(wall)
    # Only in the repeated autumn hour does the wall time name two instants; BST is taken.
    assert back == instant or (
        back == instant - timedelta(hours=1) and utc_to_london(instant).tzname() == "GMT"
    )
