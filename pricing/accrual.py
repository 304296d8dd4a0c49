"""Daily accrual of fees and income recognition by financial year and month.

Rules: domain-rules.md §4 (the fee accrues daily up to and including the
effective end of a cancelled subscription) and §9 (the manager's income per
financial year; budget charts by month). An academic-year fee spans two of the
council's financial years, so income is recognised by calendar days in each.

Rounding: accrual fixes each fee span to the penny half up on its own (the
span's figure is what a settlement document shows); splits fix each part half
up and put the rounding difference on the last part, so the parts add up to
the amount exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import TypeVar

from pricing.calendars import FinancialYear, days_inclusive
from pricing.errors import InvalidInput
from pricing.fees import FeeSpan, pro_rata_amount
from pricing.money import ZERO, money

__all__ = ["FeeSpan", "accrued", "split_by_financial_year", "split_by_month"]

K = TypeVar("K")


def accrued(year_spans: Iterable[tuple[date, date, Decimal]], through: date) -> Decimal:
    """Fee accrued up to and including ``through`` (§4: the fee accrues daily).

    Each ``(start, end, fee)`` span accrues fee × days covered up to ``through`` ÷ days
    in the span, fixed to the penny half up per span; a span wholly accrued gives its fee
    exactly, so accruing through the last day gives the contract value.
    """
    total = ZERO
    for start, end, fee in year_spans:
        amount = money(fee)
        if end < start:
            raise InvalidInput(f"Fee span {start.isoformat()} to {end.isoformat()} ends before it starts.")
        covered = days_inclusive(start, min(end, through))
        total += pro_rata_amount(amount, covered, days_inclusive(start, end))
    return total


def split_by_financial_year(amount: Decimal, start: date, end: date) -> dict[FinancialYear, Decimal]:
    """Recognise an amount covering ``start..end`` by calendar days in each financial year (§9).

    Parts are fixed half up; any rounding difference goes on the last part, so they add up
    to ``amount`` exactly. Example: a 2019/20 fee is 213/366 in FY2019/20, 153/366 in FY2020/21.
    """

    def periods() -> Iterator[tuple[FinancialYear, date, date]]:
        fy = FinancialYear.of(start)
        while fy.start <= end:
            yield fy, fy.start, fy.end
            fy = fy.next()

    return _split(amount, start, end, periods())


def split_by_month(amount: Decimal, start: date, end: date) -> dict[tuple[int, int], Decimal]:
    """Recognise an amount covering ``start..end`` by calendar days in each month, keyed ``(year, month)``.

    Parts add up to ``amount`` exactly, as in :func:`split_by_financial_year`.
    """

    def periods() -> Iterator[tuple[tuple[int, int], date, date]]:
        year, month = start.year, start.month
        while date(year, month, 1) <= end:
            following = (year + 1, 1) if month == 12 else (year, month + 1)
            last = date.fromordinal(date(*following, 1).toordinal() - 1)
            yield (year, month), date(year, month, 1), last
            year, month = following

    return _split(amount, start, end, periods())


def _split(amount: Decimal, start: date, end: date, periods: Iterable[tuple[K, date, date]]) -> dict[K, Decimal]:
    value = money(amount)
    if end < start:
        raise InvalidInput(f"Period {start.isoformat()} to {end.isoformat()} ends before it starts.")
    whole = days_inclusive(start, end)
    parts: dict[K, Decimal] = {}
    for key, p_start, p_end in periods:
        days = days_inclusive(max(start, p_start), min(end, p_end))
        if days:
            parts[key] = pro_rata_amount(value, days, whole)
    last = next(reversed(parts))
    parts[last] += value - sum(parts.values(), ZERO)
    return parts

