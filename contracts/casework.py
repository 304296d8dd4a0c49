"""Which day-rate charges a case beyond the entitlement owes, decided on values (domain-rules.md §2, §6).

A case the subscription does not cover is charged for the billable days
delivered on it (deemed-delivered sessions included): hours ÷ hours-per-day
rounded up to the price book's increment, × the day rate of the price-book
version for the case's academic year.

Bill periods are the billing terms (1 Sep–31 Dec, 1 Jan–31 Mar, 1 Apr–31 Aug).
A case has at most ONE charge per period, keyed ``case/{id}/{period start}``.
A period is charged once it has ended (due the day after) or the case closed
within it (due on the closure date).

Rounding is cumulative, never per period: a period's days are
``billable_days(every counted hour up to the period's end) − days already
charged``. So a case split over two terms costs what it would in one
(4 h + 4 h at 6 h/day = 1.5 days, not 1 + 1), and hours recorded late for an
earlier period are picked up by the next charge.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from contracts.charge_details import CaseworkDetail
from contracts.subscription import DayFormat
from pricing.calendars import TermPeriod, term_of
from pricing.daycharge import billable_days
from pricing.money import to_pence
from pricing.pricebook import Version

NO_DAYS = Decimal("0")


class WorkedSession(NamedTuple):
    """A session whose hours count (§5): delivered, or deemed delivered. Sorted by day."""

    day: date  # the London day it started
    hours: Decimal
    deemed: bool


@dataclass(frozen=True)
class DayRate:
    """What prices casework days: one price-book version's rate, day length and increment (§2)."""

    price_book: str  # "2025/26"
    day_rate: Decimal
    hours_per_day: Decimal
    increment: Decimal

    @classmethod
    def of(cls, version: Version) -> DayRate:
        return cls(version.year, version.day_rate, version.hours_per_day, version.day_increment)


@dataclass(frozen=True)
class CaseToCharge:
    """What charging reads of a case: its id, reference and the dates that bound it."""

    id: int
    ref: str
    referred_on: date
    closed_on: date | None


@dataclass(frozen=True)
class CaseworkCharge:
    """One period's charge to raise on a case: the days beyond what was charged before, and why."""

    key: str
    period_start: date
    period_end: date  # the term's last day, or the closure date when the case closed in it
    due_on: date
    days: Decimal
    unit_price: Decimal
    amount: Decimal
    hours: Decimal  # every counted hour on the case up to the term's end
    charged_before: Decimal  # days charged on the case before this one
    sessions: tuple[WorkedSession, ...]  # the sessions behind the days
    description: str
    detail: CaseworkDetail


DESCRIPTION_MAX = 300
"""The longest line description a charge and an invoice line hold (``String(300)``)."""

_INCREMENTS = {Decimal("1"): "the whole day", Decimal("0.5"): "the half day", Decimal("0.25"): "the quarter day"}


def _plain(value: Decimal) -> str:
    """``2``, ``1.5``: a number of days or hours without trailing zeros."""
    return format(value.normalize(), "f")


def _days(value: Decimal) -> str:
    return f"{_plain(value)} day" if value == 1 else f"{_plain(value)} days"


def casework_description(ref: str, days: Decimal, hours: Decimal, charged_before: Decimal, hours_per_day: Decimal,
                         increment: Decimal, sessions: Sequence[WorkedSession], day: DayFormat) -> str:
    """What a line of extra casework says (§6): the days, the hours behind them and each session.

    ``sessions`` are in day order. Each is listed with its
    date and hours, deemed-delivered ones marked; when the list would not fit in
    the line (:data:`DESCRIPTION_MAX`) it is summarised as count, first and last
    date and hours. A later charge on the same case states the case's total hours
    and the days charged before, so the arithmetic is always on the line::

        Extra casework, case C25-0001: 1.5 days at the day rate for 9 hours (6 hours a day, rounded up
        to the half day); sessions: 2025-09-29 2h, 2025-10-06 1.5h (deemed delivered), ...
    """
    rounding = f"{_plain(hours_per_day)} hours a day, rounded up to {_INCREMENTS.get(increment.normalize(), _days(increment))}"
    head = f"Extra casework, case {ref}: {_days(days)} at the day rate"
    if charged_before:
        total = days + charged_before
        head += (f": the case's {_plain(hours)} hours are {_days(total)} ({rounding}), "
                 f"less {_days(charged_before)} charged before")
        label = "sessions this period"
    else:
        head += f" for {_plain(hours)} hours ({rounding})"
        label = "sessions"
    if not sessions:
        return head[:DESCRIPTION_MAX]
    listed = ", ".join(f"{day(on)} {_plain(h)}h" + (" (deemed delivered)" if deemed else "")
                       for on, h, deemed in sessions)
    text = f"{head}; {label}: {listed}"
    if len(text) <= DESCRIPTION_MAX:
        return text
    count = len(sessions)
    deemed = sum(1 for s in sessions if s.deemed)
    summary = (f"{count} sessions, {day(sessions[0].day)} to {day(sessions[-1].day)}, "
               f"{_plain(sum((s.hours for s in sessions), NO_DAYS))} hours")
    if deemed:
        summary += f" ({deemed} deemed delivered)"
    return f"{head}; {label}: {summary}"[:DESCRIPTION_MAX]


def periods_from(start: date) -> Iterator[TermPeriod]:
    """The billing terms from the one holding ``start`` onwards, without end."""
    period = term_of(start)
    while True:
        yield period
        period = term_of(period.end + timedelta(days=1))


def charge_key(case_id: int, period_start: date) -> str:
    """The natural key of a case's charge for one period: raising it twice is a no-op."""
    return f"case/{case_id}/{period_start.isoformat()}"


def case_charges(case: CaseToCharge, sessions: Iterable[WorkedSession], rate: DayRate,
                 charged_keys: Collection[str], days_charged: Decimal, through: date,
                 day: DayFormat) -> list[CaseworkCharge]:
    """The day-rate charges due on one uncovered case up to ``through`` and not yet raised (§6).

    ``charged_keys`` are the case's charge keys already on the ledger, ``days_charged``
    the days they hold (withdrawn charges left out). ``sessions`` are read only when a
    period is due that has no charge yet, so a caller may pass a lazy iterable.

    A first charge lists every session behind its days (they add up to its hours); a
    later one lists its own period's sessions, its hours being the case's running total.
    """
    out: list[CaseworkCharge] = []
    counted: list[WorkedSession] | None = None
    charged = days_charged
    for period in periods_from(case.referred_on):
        closes_here = case.closed_on is not None and period.start <= case.closed_on <= period.end
        end = case.closed_on if closes_here and case.closed_on is not None else period.end
        due_on = end if closes_here else period.end + timedelta(days=1)
        if due_on > through:
            break
        key = charge_key(case.id, period.start)
        if key not in charged_keys:
            if counted is None:
                counted = sorted(sessions)
            hours = sum((s.hours for s in counted if s.day <= period.end), NO_DAYS)
            days = billable_days(hours, rate.hours_per_day, rate.increment) - charged
            if days > 0:
                behind = tuple(s for s in counted if s.day <= period.end and (not charged or s.day >= period.start))
                out.append(CaseworkCharge(
                    key=key, period_start=period.start, period_end=end, due_on=due_on, days=days,
                    unit_price=rate.day_rate, amount=to_pence(days * rate.day_rate), hours=hours,
                    charged_before=charged, sessions=behind,
                    description=casework_description(case.ref, days, hours, charged, rate.hours_per_day,
                                                     rate.increment, behind, day),
                    detail=CaseworkDetail(case=case.ref, cumulative_hours=hours, price_book=rate.price_book),
                ))
                charged += days
        if closes_here:
            break
    return out
