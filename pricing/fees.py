"""Subscription fees: the two-year contract term, pro-rata and instalments.

Rules: domain-rules.md §3. A subscription runs from its start date to 31 August
of the academic year after the one it starts in. A part-year first year is
charged pro rata by calendar days. Each year's fee is billed either once
(``annual``) or in three equal instalments (``termly``, 1 Sep / 1 Jan / 1 Apr)
with the leftover pennies on the last one, so a year's instalments always add
up to that year's fee exactly.

Mid-year joiners on a termly schedule (the rules are silent; decided here):
only the terms that are not wholly before the start date are raised, the first
of them dated the start date; the pro-rated year fee is split equally over
those instalments; each instalment's period is its term clipped to the
contract. So a school joining on 6 Jan 2020 pays two equal instalments (6 Jan
and 1 Apr) of its pro-rated 2019/20 fee.

``fy-split`` (issue 20) bills each year's fee in two parts that each fall in a
maintained school's financial year (April to March): the part from the year's
start (1 Sep or the start date) to 31 March, due on that start, and the part
from 1 April to 31 August, due 1 April. A year starting on or after 1 April has
only the second part, due on its start. The price book names the basis of the
split (``council.fy_split_basis``): ``months`` shares by calendar months covered
(7/12 and 5/12 for a whole year), a part month, as when a school joins on
15 October, counting as a whole month, so a part with any days in it always
takes a share; ``days`` shares by calendar days in each part over the days in
the span. The first part is rounded half up to the penny and the second is the
rest, so the two always add up to the year's fee exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext
from typing import Literal, NamedTuple

from pricing.calendars import AcademicYear, days_inclusive, terms
from pricing.errors import InvalidInput
from pricing.money import PENNY, ZERO, money, to_pence

ScheduleName = Literal["annual", "termly", "fy-split"]
SCHEDULES: tuple[ScheduleName, ...] = ("annual", "termly", "fy-split")
FySplitBasis = Literal["months", "days"]
FY_SPLIT_BASES: tuple[FySplitBasis, ...] = ("months", "days")

# Wide enough that amount × days ÷ days is exact up to far below a penny for any
# fee, whatever decimal context the caller has set.
_EXACT = Context(prec=60)


@dataclass(frozen=True)
class YearSpan:
    """The part of one academic year that a contract covers."""

    academic_year: AcademicYear
    start: date
    end: date

    @property
    def days(self) -> int:
        return days_inclusive(self.start, self.end)


class FeeSpan(NamedTuple):
    """A covered span and the (pro-rated) fee for it: the unit that accrues daily."""

    start: date
    end: date
    fee: Decimal


@dataclass(frozen=True)
class Instalment:
    """One instalment of a year's fee; ``number`` counts from 1 within its year, ``of`` is that year's count."""

    academic_year: AcademicYear
    number: int
    of: int
    due_on: date
    period_start: date
    period_end: date
    amount: Decimal


def contract_end(start: date) -> date:
    """31 August of the academic year after the one ``start`` is in (§3: a two-academic-year term)."""
    return AcademicYear.of(start).next().end


def contract_years(start: date) -> list[YearSpan]:
    """The covered part of each of the contract's two academic years (§3)."""
    first = AcademicYear.of(start)
    second = first.next()
    return [YearSpan(first, start, first.end), YearSpan(second, second.start, second.end)]


def pro_rata_amount(amount: Decimal, part_days: int, whole_days: int) -> Decimal:
    """``amount × part_days ÷ whole_days`` fixed to the penny half up, computed in one exact step."""
    if whole_days <= 0 or part_days < 0:
        raise InvalidInput(f"Cannot take {part_days} of {whole_days} days of an amount.")
    if part_days == whole_days:
        return to_pence(amount)
    with localcontext(_EXACT):
        return to_pence(amount * part_days / whole_days)


def prorate(full_fee: Decimal, span_start: date, span_end: date, year: AcademicYear) -> Decimal:
    """Fee × days covered ÷ days in the academic year, to the penny half up (§3 pro-rata).

    A span covering the whole year gives exactly the fee.
    """
    fee = _fee(full_fee, year)
    if not (year.start <= span_start <= span_end <= year.end):
        raise InvalidInput(
            f"Span {span_start.isoformat()} to {span_end.isoformat()} does not lie within academic year {year.name}."
        )
    return pro_rata_amount(fee, days_inclusive(span_start, span_end), year.days)


def split_instalments(total: Decimal, n: int) -> list[Decimal]:
    """``n`` equal parts rounded down to the penny, leftover pennies on the last (§3).

    The parts always add up to ``total`` exactly.
    """
    if n < 1:
        raise InvalidInput(f"Cannot split an amount into {n} instalments.")
    amount = money(total)
    if amount < 0:
        raise InvalidInput(f"Cannot split a negative amount {amount} into instalments.")
    pennies = int(amount / PENNY)
    each = pennies // n
    parts = [each] * (n - 1) + [pennies - each * (n - 1)]
    return [(Decimal(p) * PENNY).quantize(PENNY) for p in parts]


def contract_fee_spans(start: date, fees_by_year: Mapping[AcademicYear, Decimal]) -> dict[AcademicYear, FeeSpan]:
    """Each contract year's covered span and its fee, the first year pro-rated (§3).

    ``fees_by_year`` holds the full-year fee from each year's price-book version.
    """
    spans: dict[AcademicYear, FeeSpan] = {}
    for span in contract_years(start):
        if span.academic_year not in fees_by_year:
            raise InvalidInput(f"No subscription fee is given for academic year {span.academic_year.name}.")
        fee = prorate(fees_by_year[span.academic_year], span.start, span.end, span.academic_year)
        spans[span.academic_year] = FeeSpan(span.start, span.end, fee)
    return spans


def months_covered(start: date, end: date) -> int:
    """Calendar months with any day in ``start``..``end``: a part month counts as a whole one."""
    if end < start:
        raise InvalidInput(f"Span {start.isoformat()} to {end.isoformat()} ends before it starts.")
    return (end.year - start.year) * 12 + end.month - start.month + 1


def fy_split_periods(span_start: date, span_end: date) -> list[tuple[date, date]]:
    """The part of a year span up to 31 March and the part from 1 April, leaving out a part with no days."""
    april = date(span_end.year, 4, 1)
    if span_start >= april:
        return [(span_start, span_end)]
    return [(span_start, april - timedelta(days=1)), (april, span_end)]


def fy_split_amounts(fee: Decimal, periods: Sequence[tuple[date, date]], basis: FySplitBasis) -> list[Decimal]:
    """Each financial-year part's share of ``fee`` by ``basis``: the first half up, the last the rest.

    >>> from datetime import date
    >>> fy_split_amounts(Decimal("1000.01"), [(date(2025, 9, 1), date(2026, 3, 31)),
    ...                                       (date(2026, 4, 1), date(2026, 8, 31))], "months")
    [Decimal('583.34'), Decimal('416.67')]
    """
    if basis not in FY_SPLIT_BASES:
        raise InvalidInput(f'Financial-year split basis "{basis}" is not one of {", ".join(FY_SPLIT_BASES)}.')
    amount = money(fee)
    if amount < 0:
        raise InvalidInput(f"Cannot split a negative amount {amount} into financial-year parts.")
    measure = months_covered if basis == "months" else days_inclusive
    weights = [measure(p_start, p_end) for p_start, p_end in periods]
    whole = sum(weights)
    parts = [pro_rata_amount(amount, weight, whole) for weight in weights[:-1]]
    return [*parts, amount - sum(parts, ZERO)]


def schedule(
    start: date, fees_by_year: Mapping[AcademicYear, Decimal], schedule: ScheduleName,
    fy_split_basis: FySplitBasis = "months",
) -> list[Instalment]:
    """Every instalment of a two-year subscription starting on ``start`` (§3 billing schedule).

    ``annual``: one per year, due the first day of the academic year or the start date.
    ``termly``: one per term not wholly before the start (1 Sep, 1 Jan, 1 Apr), the first
    due on the start date when the school joins mid-term; equal parts of the year's fee,
    leftover pennies on the last.
    ``fy-split``: the part to 31 March due on the year's start, the part from 1 April due
    1 April, shared by ``fy_split_basis`` (module docstring).
    """
    if schedule not in SCHEDULES:
        raise InvalidInput(f'Billing schedule "{schedule}" is not one of {", ".join(SCHEDULES)}.')
    result: list[Instalment] = []
    for year, span in contract_fee_spans(start, fees_by_year).items():
        if schedule == "annual":
            periods = [(span.start, span.end)]
        elif schedule == "fy-split":
            periods = fy_split_periods(span.start, span.end)
        else:
            periods = [(max(t.start, span.start), t.end) for t in terms(year) if t.end >= span.start]
        if schedule == "fy-split":
            amounts = fy_split_amounts(span.fee, periods, fy_split_basis)
        else:
            amounts = split_instalments(span.fee, len(periods))
        for number, ((p_start, p_end), amount) in enumerate(zip(periods, amounts, strict=True), start=1):
            result.append(Instalment(year, number, len(periods), p_start, p_start, p_end, amount))
    return result


def _fee(value: Decimal, year: AcademicYear) -> Decimal:
    fee = money(value)
    if fee < 0:
        raise InvalidInput(f"The subscription fee for academic year {year.name} cannot be negative ({fee}).")
    return fee
