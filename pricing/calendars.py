"""Academic years, the council's financial years, billing terms and working days.

Rules: domain-rules.md §1. Academic year 1 Sep–31 Aug (``2019/20``); financial
year 1 Apr–31 Mar (``FY2019/20``); billing terms start 1 Sep, 1 Jan, 1 Apr;
working days are Monday–Friday less England and Wales bank holidays, taken
from the ``holidays`` package rather than a hand-kept list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from functools import lru_cache

from pricing.errors import InvalidInput

_AY = re.compile(r"^(\d{4})/(\d{2})$")
_FY = re.compile(r"^FY(\d{4})/(\d{2})$")


class CalendarError(InvalidInput):
    """A year name or date range that does not make sense."""


def _two_part(match: re.Match[str] | None, text: str, kind: str) -> int:
    if not match:
        example = "2019/20" if kind == "academic year" else "FY2019/20"
        raise CalendarError(f"{kind} {text!r} must look like {example}")
    first, second = int(match.group(1)), int(match.group(2))
    if (first + 1) % 100 != second:
        raise CalendarError(f"{kind} {text!r} must name two consecutive years")
    return first


@dataclass(frozen=True, order=True)
class AcademicYear:
    """The school year that starts on 1 September of ``start_year``."""

    start_year: int

    @classmethod
    def of(cls, day: date) -> AcademicYear:
        return cls(day.year if day.month >= 9 else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> AcademicYear:
        return cls(_two_part(_AY.match(text.strip()), text, "academic year"))

    @property
    def name(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 9, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 8, 31)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def next(self) -> AcademicYear:
        return AcademicYear(self.start_year + 1)

    def previous(self) -> AcademicYear:
        return AcademicYear(self.start_year - 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The council's year that starts on 1 April of ``start_year``."""

    start_year: int

    @classmethod
    def of(cls, day: date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        return cls(_two_part(_FY.match(text.strip()), text, "financial year"))

    @property
    def name(self) -> str:
        return f"FY{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def next(self) -> FinancialYear:
        return FinancialYear(self.start_year + 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.name


class Term(Enum):
    """Billing terms: a contract convention, not a school's real term dates."""

    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"


@dataclass(frozen=True)
class TermPeriod:
    term: Term
    start: date
    end: date


def terms(year: AcademicYear) -> list[TermPeriod]:
    """The three billing terms of an academic year: 1 Sep, 1 Jan, 1 Apr."""
    y = year.start_year
    return [
        TermPeriod(Term.AUTUMN, date(y, 9, 1), date(y, 12, 31)),
        TermPeriod(Term.SPRING, date(y + 1, 1, 1), date(y + 1, 3, 31)),
        TermPeriod(Term.SUMMER, date(y + 1, 4, 1), date(y + 1, 8, 31)),
    ]


def term_of(day: date) -> TermPeriod:
    for period in terms(AcademicYear.of(day)):
        if period.start <= day <= period.end:
            return period
    raise AssertionError("terms tile the academic year")  # pragma: no cover


def days_inclusive(start: date, end: date) -> int:
    """Calendar days from ``start`` to ``end``, both counted; 0 when end < start."""
    return max((end - start).days + 1, 0)


def overlap_days(start: date, end: date, other_start: date, other_end: date) -> int:
    return days_inclusive(max(start, other_start), min(end, other_end))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays  # noqa: PLC0415 - imported lazily: it is large and most commands never need it

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    """England and Wales bank holiday (the ``holidays`` package's ENG subdivision)."""
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def working_days_between(start: date, end: date) -> int:
    """Working days in ``start..end`` inclusive (0 when end < start)."""
    count, day = 0, start
    while day <= end:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``n`` ≥ 0; 0 gives ``day`` itself)."""
    if n < 0:
        raise CalendarError("add_working_days takes a non-negative count")
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day
