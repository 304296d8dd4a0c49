"""Day-rate billing of casework hours.

Rules: domain-rules.md §2 (billable days = hours ÷ hours-per-day, rounded up to
the price book's increment, default half a day) and §6 (a case beyond the
tier's entitlement is charged at the day rate for the billable days delivered
on it, deemed-delivered sessions included).

Which figure each use takes:

- Charging a case (the invoice line, ``charges``): :func:`day_rate_charge` on the
  case's TOTAL hours. Rounding up is applied once per case, never per session,
  so a case is not charged an extra half day for every short visit. A case
  charged in several bill runs is charged ``day_rate_charge(hours to date)``
  less what was already charged for it.
- The manager's "day-rate value of a case" (``report case-costs``): :func:`day_rate_value`,
  the hours actually worked valued at the day rate without rounding up, so it sits
  like-for-like beside the case's cost (hours × staff cost rate). What the case
  actually brought in is the separate "income" column (what was charged).
"""

from __future__ import annotations

import math
from decimal import Context, Decimal, localcontext
from fractions import Fraction

from pricing.errors import InvalidInput
from pricing.money import money, to_pence

HALF_DAY = Decimal("0.5")

_EXACT = Context(prec=60)


def billable_days(hours: Decimal, hours_per_day: Decimal, increment: Decimal = HALF_DAY) -> Decimal:
    """Hours ÷ hours-per-day rounded UP to a whole number of ``increment`` days (§2); 0 hours → 0.

    Exact: 7.5 hours at 7.5 hours a day is 1 day, never 1.5 from a rounding slip.
    """
    worked = _quantity(hours, "Hours worked", allow_zero=True)
    per_day = _quantity(hours_per_day, "Hours per day")
    step = _quantity(increment, "The billable day increment")
    steps = math.ceil(Fraction(worked) / (Fraction(per_day) * Fraction(step)))
    return Decimal(steps) * step


def day_rate_charge(hours: Decimal, hours_per_day: Decimal, increment: Decimal, day_rate: Decimal) -> Decimal:
    """Billable days × day rate, to the penny: the charge for a case beyond the entitlement (§6)."""
    rate = _rate(day_rate)
    return to_pence(billable_days(hours, hours_per_day, increment) * rate)


def day_rate_value(hours: Decimal, hours_per_day: Decimal, day_rate: Decimal) -> Decimal:
    """Hours ÷ hours-per-day × day rate, NOT rounded up to the increment, to the penny half up.

    The manager's "day-rate value of a case" (§9), compared with its cost.
    """
    worked = _quantity(hours, "Hours worked", allow_zero=True)
    per_day = _quantity(hours_per_day, "Hours per day")
    rate = _rate(day_rate)
    with localcontext(_EXACT):
        return to_pence(worked * rate / per_day)


def _quantity(value: Decimal, what: str, *, allow_zero: bool = False) -> Decimal:
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise InvalidInput(f"{what} must be a decimal number, not {type(value).__name__}.")
    number = Decimal(value)
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        raise InvalidInput(f"{what} must be {'zero or more' if allow_zero else 'more than zero'}, not {value}.")
    return number


def _rate(day_rate: Decimal) -> Decimal:
    rate = money(day_rate)
    if rate < 0:
        raise InvalidInput(f"The day rate cannot be negative ({rate}).")
    return rate
