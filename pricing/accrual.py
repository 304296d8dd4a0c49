"""Daily accrual of fees and income recognition by days of service.

Rules: domain-rules.md §4 (the fee accrues daily up to and including the
effective end of a cancelled subscription) and §9 (income is recognised by the
days of service, whatever the billing schedule and whenever the invoices fall;
the manager's income per financial year; budget charts by month). An
academic-year fee spans two of the council's financial years, so income is
recognised by calendar days in each.

One rule, one running total: :func:`accrued` is the fee earned through a day.
Income recognised on any run of days (:func:`recognised`, and so each financial
year in :func:`recognise_by_financial_year`, or each month in a report) is the
difference of that running total at the two ends, never past the effective end.
The parts of any split of the days therefore add up exactly to the fee accrued
over them (cumulative rounding: no penny appears or vanishes), and a contract
cut short earns nothing after its effective end, in any year.

Rounding: accrual fixes each fee span to the penny half up on its own (the
span's figure is what a settlement document shows). :func:`split_by_financial_year`
and :func:`split_by_month` (a plain amount over a period, e.g. a budget) fix each
part half up and put the rounding difference on the last part, so the parts add
up to the amount exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from dateutil.relativedelta import relativedelta

from pricing.calendars import FinancialYear, days_inclusive
from pricing.errors import InvalidInput
from pricing.fees import FeeSpan, pro_rata_amount
from pricing.money import ZERO, money

__all__ = ["FeeSpan", "accrued", "recognise_by_financial_year", "recognised", "split_by_financial_year",
           "split_by_month"]

Span = tuple[date, date, Decimal]

K = TypeVar("K")


def accrued(year_spans: Iterable[Span], through: date) -> Decimal:
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


def recognised(year_spans: Iterable[Span], first: date, last: date, effective_end: date | None = None) -> Decimal:
    """Income recognised on the days ``first..last`` inclusive (§9): fee accrued through ``last``
    less fee accrued through the day before ``first`` (:func:`accrued`), nothing after ``effective_end``.

    0.00 when no day of ``first..last`` is on or before ``effective_end``. A negative fee (a credit)
    is recognised the same way with the sign reversed.
    """
    spans = tuple(year_spans)
    stop = last if effective_end is None else min(last, effective_end)
    if stop < first:
        return ZERO
    return accrued(spans, stop) - accrued(spans, first - timedelta(days=1))


def recognise_by_financial_year(
    year_spans: Iterable[Span], effective_end: date | None = None
) -> dict[FinancialYear, Decimal]:
    """The fee accrued to ``effective_end`` (all of it when ``None``) by financial year of service (§9).

    Each year's part is :func:`recognised` over that year, so the parts add up exactly to
    ``accrued(year_spans, effective_end)``, whatever the billing schedule: a £10,000.00 year from
    2023-09-01 is 213/366 = 5819.67 in FY2023/24 and 4180.33 in FY2024/25; cut short on 2024-01-31,
    it is 153/366 = 4180.33 in FY2023/24 and nothing later. Every financial year from the first day
    of service to the last (or to the effective end) has a part; none after, and none at all for a
    contract that ended before it began.
    """
    spans = tuple(year_spans)
    if not spans:
        return {}
    first = min(start for start, _, _ in spans)
    last = max(end for _, end, _ in spans)
    if effective_end is not None:
        last = min(last, effective_end)
    if last < first:
        return {}
    parts: dict[FinancialYear, Decimal] = {}
    fy = FinancialYear.of(first)
    while fy.start <= last:
        parts[fy] = recognised(spans, fy.start, fy.end, effective_end)
        fy = fy.next()
    return parts


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
        first = start.replace(day=1)
        while first <= end:
            following = first + relativedelta(months=1)
            yield (first.year, first.month), first, following - timedelta(days=1)
            first = following

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

