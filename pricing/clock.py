"""Wall-clock time in Europe/London, instants in UTC, and the as-of clock.

Nothing in the engine reads the system clock except :class:`SystemClock`,
which only ``cli/`` constructs. Everything else takes a :class:`Clock` or an
explicit as-of date, so any run can be replayed for a past or future day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from pricing.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")


class TimeError(InvalidInput):
    """A local time that cannot be read or does not exist."""


def london_to_utc(local: datetime) -> datetime:
    """A naive Europe/London wall-clock time as an aware UTC instant.

    A time that does not exist (the hour skipped when the clocks go forward)
    is refused. An ambiguous one (the hour repeated when they go back) is read
    as its first occurrence, in BST.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    first = local.replace(tzinfo=LONDON, fold=0)
    back = first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
    if back != local:
        raise TimeError(f"{local:%Y-%m-%d %H:%M} does not exist in Europe/London (the clocks went forward)")
    return first.astimezone(UTC)


def utc_to_london(instant: datetime) -> datetime:
    """An instant shown as aware Europe/London wall-clock time."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)  # stored instants are UTC (SQLite drops tzinfo)
    return instant.astimezone(LONDON)


FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
"""The days the engine accepts from people and files: far enough for any contract, near enough to be a slip."""

_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _in_range(day: date, text: str) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise TimeError(f"{text} is outside the dates traded accepts ({FIRST_DAY} to {LAST_DAY})")
    return day


def parse_london(text: str) -> datetime:
    """Parse ``YYYY-MM-DD HH:MM`` (Europe/London) into an aware UTC instant, between 2000 and 2099."""
    clean = text.strip()
    if not _TIME_SHAPE.fullmatch(clean) or not clean.isascii():
        raise TimeError(f"time {text!r} must look like 2019-10-28 09:00")
    try:
        local = datetime.strptime(clean, "%Y-%m-%d %H:%M")
    except ValueError:
        raise TimeError(f"{clean} is not a time: no such day or hour") from None
    _in_range(local.date(), clean)
    return london_to_utc(local)


def format_london(instant: datetime) -> str:
    return utc_to_london(instant).strftime("%Y-%m-%d %H:%M")


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` between 2000-01-01 and 2099-12-31, with a message that says what is wrong."""
    clean = text.strip()
    if not _DATE_SHAPE.fullmatch(clean) or not clean.isascii():
        raise TimeError(f"date {text!r} must look like 2019-09-01")
    try:
        day = date.fromisoformat(clean)
    except ValueError:
        raise TimeError(f"{clean} is not a date: {clean[:7]} has no day {clean[8:]}"
                        if 1 <= int(clean[5:7]) <= 12 else f"{clean} is not a date: there is no month {clean[5:7]}"
                        ) from None
    return _in_range(day, clean)


def start_of_day_utc(day: date) -> datetime:
    """Midnight in London at the start of ``day``, as a UTC instant."""
    return london_to_utc(datetime.combine(day, time(0, 0)))


def end_of_day_utc(day: date) -> datetime:
    return start_of_day_utc(day + timedelta(days=1)) - timedelta(microseconds=1)


class Clock(Protocol):
    """What a rule may ask of time: the as-of date and the current instant."""

    def today(self) -> date: ...

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class FixedClock:
    """A clock stopped on an as-of date (and optionally an instant within it)."""

    as_of: date
    instant: datetime | None = None

    def today(self) -> date:
        return self.as_of

    def now(self) -> datetime:
        if self.instant is not None:
            # A naive instant is UTC, as everywhere in the engine, never the machine's zone.
            return utc_to_london(self.instant).astimezone(UTC)
        # Noon London time: an as-of date without a time means "during that day".
        return london_to_utc(datetime.combine(self.as_of, time(12, 0)))


class SystemClock:
    """The real clock. Constructed only at the edge (``cli/``)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(LONDON).date()
