"""The establishment's money as pure rules: pay by the day, funding splits, capacity and full cost.

Rules (docs/rules.md §9, issue 19):

- **Pay accrues by the day.** A post's annual cost (salary with on-costs, for
  12 months at the FTE filled) is paid evenly over the days of each financial
  year: one day is annual ÷ 365 (or 366). Pay over any run of days is the
  difference of one running total (pricing.accrual), so the months of a year add
  up to the year and a part month is its days' share, to the penny.
  Example: £36,500.00 a year filled 16 March – 15 April 2026 is £1,600.00 in
  March (FY2025/26, 16 of 365 days) and £1,500.00 in April (FY2026/27, 15 of 365).
- **Funding splits** share each amount of pay between sources by percentage or by
  annual amount (weights), largest remainder: the parts add up exactly, and a
  50/50 split of an odd penny gives the extra penny to the first source.
- **Capacity** (hours a post-holder can deliver) = working days (weekends and
  England bank holidays excluded) less the leave and training allowances
  (days a full-time year, shared by calendar days) × hours a day (hours a week ÷ 5)
  × FTE. **Utilisation** = hours delivered (deemed-delivered included) ÷ capacity.
- **Full cost** (time-driven costing): the period's establishment pay plus non-staff
  costs is the cost of the delivery capacity; each delivered hour carries its share
  (largest remainder over the hours delivered and the hours not sold), and what
  falls on the hours not sold is **capacity not sold**, shown apart.
- **A budget for a period that is not a financial year** (e.g. April 2019 – August
  2020, 17 months) is prorated into financial years by calendar days, the days stated.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from dateutil.relativedelta import relativedelta

from pricing.accrual import FeeSpan, recognised, split_by_financial_year
from pricing.calendars import FinancialYear, days_inclusive, working_days_between
from pricing.errors import InvalidInput
from pricing.money import ZERO, to_pence
from pricing.shares import largest_remainder

Month = tuple[int, int]
K = TypeVar("K", bound=Hashable)

HOURS = Decimal("0.01")
UNSOLD = "capacity not sold"  # the key full_cost_shares gives the hours nobody bought


@dataclass(frozen=True)
class Capacity:
    """How many hours a full-time post-holder can deliver: settings (price book ``council.capacity``)."""

    hours_per_week: Decimal = Decimal("37")
    leave_days: Decimal = Decimal("27")  # annual leave a full-time year, bank holidays apart
    training_days: Decimal = Decimal("5")

    @property
    def hours_per_day(self) -> Decimal:
        return self.hours_per_week / 5


def with_on_costs(annual: Decimal, on_cost_percent: Decimal) -> Decimal:
    """A salary with employer's on-costs (NI, pension) as a percentage, to the penny half up."""
    return to_pence(annual * (1 + on_cost_percent / 100))


def share_of_post(annual: Decimal, post_fte: Decimal, fte: Decimal) -> Decimal:
    """The annual cost of ``fte`` of a post whose ``annual`` cost is for ``post_fte``."""
    if post_fte <= 0:
        raise InvalidInput("A post's FTE must be more than 0.")
    return to_pence(annual * fte / post_fte)


def _fy_spans(annual: Decimal, first: date, last: date) -> tuple[FeeSpan, ...]:
    spans, fy = [], FinancialYear.of(first)
    while fy.start <= last:
        spans.append(FeeSpan(fy.start, fy.end, annual))
        fy = fy.next()
    return tuple(spans)


def pay(annual: Decimal, filled_from: date, filled_to: date | None, first: date, last: date) -> Decimal:
    """Pay at ``annual`` a year for the days of ``first..last`` that fall in ``filled_from..filled_to``.

    ``filled_to`` None: open-ended. The running total starts at the financial year of
    ``filled_from``, so any split of the days (months, years) adds up exactly.
    """
    start = max(first, filled_from)
    end = last if filled_to is None else min(last, filled_to)
    if end < start:
        return ZERO
    spans = _fy_spans(annual, FinancialYear.of(filled_from).start, end)
    return recognised(spans, start, end)


def months_between(first: date, last: date) -> list[tuple[Month, date, date]]:
    """Each calendar month of ``first..last`` with the days of it inside the range."""
    out, day = [], first.replace(day=1)
    while day <= last:
        following = day + relativedelta(months=1)
        out.append(((day.year, day.month), max(day, first), min(following - timedelta(days=1), last)))
        day = following
    return out


def monthly_pay(annual: Decimal, filled_from: date, filled_to: date | None, first: date,
                last: date) -> dict[Month, Decimal]:
    """:func:`pay` month by month over ``first..last`` (months with no pay left out)."""
    out: dict[Month, Decimal] = {}
    for month, a, b in months_between(first, last):
        amount = pay(annual, filled_from, filled_to, a, b)
        if amount:
            out[month] = amount
    return out


def split_by_funding(amount: Decimal, weights: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Share ``amount`` over funding sources by percentage or annual amount, adding up exactly."""
    if not weights:
        raise InvalidInput("A post needs at least one funding source.")
    shares = largest_remainder(amount, weights)
    if not shares:
        raise InvalidInput("Funding splits must be positive and add up to more than 0.")
    return shares


def capacity_hours(fte: Decimal, first: date, last: date, capacity: Capacity) -> Decimal:
    """Hours ``fte`` can deliver over ``first..last``: working days less allowances, × hours a day × FTE.

    The allowances (leave and training days a full-time year) are shared over each financial
    year by calendar days, so a full year loses all of them and a month about a twelfth.
    """
    if last < first:
        return Decimal("0.00")
    days = Decimal(0)
    fy = FinancialYear.of(first)
    while fy.start <= last:
        a, b = max(first, fy.start), min(last, fy.end)
        allowance = (capacity.leave_days + capacity.training_days) * days_inclusive(a, b) / fy.days
        days += working_days_between(a, b) - allowance
        fy = fy.next()
    return max(Decimal(0), days * capacity.hours_per_day * fte).quantize(HOURS)


def utilisation(delivered: Decimal, capacity: Decimal) -> Decimal | None:
    """Hours delivered as a percentage of capacity, to one decimal place (None with no capacity)."""
    if capacity <= 0:
        return None
    return (delivered * 100 / capacity).quantize(Decimal("0.1"))


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal place (cost recovery = income ÷ cost)."""
    if whole <= 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


def full_cost_shares(pool: Decimal, capacity: Decimal, delivered: Mapping[K, Decimal]) -> tuple[dict[K, Decimal], Decimal]:
    """Share the cost ``pool`` over hours delivered and hours not sold (largest remainder).

    Returns each key's full cost and the capacity not sold. With no capacity (or more
    hours delivered than capacity) the whole pool falls on the hours delivered; with no
    hours delivered it is all capacity not sold. Shares and remainder add up to ``pool``.
    """
    hours = {k: v for k, v in delivered.items() if v > 0}
    unsold = max(Decimal(0), capacity - sum(hours.values(), Decimal(0)))
    weights: dict[object, Decimal] = {k: v for k, v in hours.items()}  # noqa: C416 - widens the key type
    if unsold > 0:
        weights[UNSOLD] = unsold
    if not weights:
        return {}, pool
    shares = largest_remainder(pool, weights)
    remainder = shares.pop(UNSOLD, ZERO)
    return {k: v for k, v in shares.items() if k != UNSOLD}, remainder  # type: ignore[misc]


@dataclass(frozen=True)
class ProratedPart:
    """A budget's part in one financial year, with the days that make it."""

    fy: FinancialYear
    days: int
    of_days: int
    amount: Decimal


def prorate_budget(amount: Decimal, start: date, end: date) -> list[ProratedPart]:
    """A budget for ``start..end`` shared into financial years by calendar days, adding up exactly.

    Parts are fixed half up and the last takes the rounding difference (pricing.accrual).
    Example: £497,300.00 for 1 April 2019 – 31 August 2020 (519 days) is 366/519 =
    £350,697.11 in FY2019/20 and 153/519 = £146,602.89 in FY2020/21.
    """
    whole = days_inclusive(start, end)
    parts = split_by_financial_year(amount, start, end)
    return [ProratedPart(fy, days_inclusive(max(start, fy.start), min(end, fy.end)), whole, value)
            for fy, value in parts.items()]


def straight_line(to_date: Decimal, days_elapsed: int, days_in_year: int) -> Decimal:
    """A run-rate forecast: what has happened so far ÷ days elapsed × days in the year."""
    return to_pence(to_date * days_in_year / days_elapsed) if days_elapsed else ZERO


def variance_label(kind: str, variance: Decimal) -> str:
    """Favourable or adverse, as a finance report words it: more income or less cost is favourable."""
    if variance == 0:
        return "on budget"
    better = variance > 0 if kind == "income" else variance < 0
    return "favourable" if better else "adverse"
