"""What the establishment costs and can deliver over a period, read from the posts (issue 19, §9).

Pay: each assignment (a person filling FTE of a post from a date) is paid its share of
the post's 12-month cost with on-costs (pricing.establishment.share_of_post), for
the days it is filled inside the post's own dates, by the day (pricing.establishment.pay),
month by month; each month's pay is shared between the post's funding sources
(percentages or 12-month amounts, largest remainder). A vacant post costs nothing.
Capacity: the delivery posts' filled FTE × working hours less allowances
(pricing.establishment.capacity_hours, with the price book's ``council.capacity``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing.context import Context
from billing.models import Post
from billing.pricebooks import council
from pricing.calendars import FinancialYear
from pricing.errors import NotFound
from pricing.establishment import (
    Capacity,
    Month,
    capacity_hours,
    months_between,
    pay,
    share_of_post,
    split_by_funding,
    with_on_costs,
)
from pricing.money import ZERO

UNFUNDED = "no funding source"


@dataclass(frozen=True)
class PayLine:
    """One month's pay of one assignment charged to one funding source."""

    post_id: int
    post: str
    assignment_id: int
    person: str
    staff_id: int | None
    delivery: bool
    source: str
    month: Month
    amount: Decimal


@dataclass(frozen=True)
class CapacityLine:
    """The hours one assignment of a delivery post can deliver over the period."""

    post_id: int
    post: str
    assignment_id: int
    person: str
    staff_id: int | None
    fte: Decimal
    hours: Decimal


@dataclass(frozen=True)
class Vacancy:
    post_id: int
    post: str
    fte: Decimal
    filled: Decimal

    @property
    def vacant(self) -> Decimal:
        return self.fte - self.filled


def posts(ctx: Context) -> list[Post]:
    """Every post with its funding and assignments loaded (one query each), in title order."""
    return list(ctx.session.scalars(select(Post).options(selectinload(Post.funding), selectinload(Post.assignments))
                                    .order_by(Post.title)))


def _filled(post: Post, starts_on: date, ends_on: date | None) -> tuple[date, date | None]:
    start = max(starts_on, post.starts_on)
    ends = [d for d in (ends_on, post.ends_on) if d is not None]
    return start, min(ends) if ends else None


def assignment_annual_cost(post: Post, fte: Decimal) -> Decimal:
    """The 12-month cost, with on-costs, of ``fte`` of ``post``."""
    return share_of_post(with_on_costs(post.annual_cost, post.on_cost_percent), post.fte, fte)


def funding_weights(post: Post) -> dict[str, Decimal]:
    weights: dict[str, Decimal] = {}
    for part in post.funding:
        weight = part.percent if part.percent is not None else part.amount
        if weight is not None:
            weights[part.source] = weight
    return weights or {UNFUNDED: Decimal(1)}


def pay_lines(ctx: Context, first: date, last: date, only: list[Post] | None = None) -> list[PayLine]:
    """Pay for ``first..last`` by post, assignment, funding source and month (to the penny).

    The funders' shares are split from the running total of each financial year's pay, not
    month by month: a 50/50 post charges each funder exactly half of the year (a penny split
    every month would drift to one side), and a month's shares do not depend on the window asked for.
    """
    out: list[PayLine] = []
    for post in posts(ctx) if only is None else only:
        weights = funding_weights(post)
        for a in post.assignments:
            start, end = _filled(post, a.starts_on, a.ends_on)
            annual = assignment_annual_cost(post, a.fte)
            fy = FinancialYear.of(first)
            while fy.start <= last:
                running = ZERO
                shared: dict[str, Decimal] = dict.fromkeys(weights, ZERO)
                for month, a_day, b_day in _pieces(fy.start, min(last, fy.end), first):
                    amount = pay(annual, start, end, a_day, b_day)
                    if not amount:
                        continue
                    running += amount
                    for source, total in split_by_funding(running, weights).items():
                        part, shared[source] = total - shared[source], total
                        if part and a_day >= first:
                            out.append(PayLine(post.id, post.title, a.id, a.person, a.staff_id, post.delivery,
                                               source, month, part))
                fy = fy.next()
    return out


def _pieces(fy_start: date, last: date, first: date) -> list[tuple[Month, date, date]]:
    """The months of ``fy_start..last``, the one holding ``first`` cut in two at it."""
    out: list[tuple[Month, date, date]] = []
    for month, a, b in months_between(fy_start, last):
        if a < first <= b:
            out.append((month, a, first - timedelta(days=1)))
            a = first
        out.append((month, a, b))
    return out


def pay_by(lines: list[PayLine], key: str) -> dict[object, Decimal]:
    """Total pay grouped by one PayLine attribute (``"source"``, ``"month"``, ``"post"``, ...)."""
    out: dict[object, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        out[getattr(line, key)] += line.amount
    return dict(out)


def capacity_setting(ctx: Context) -> Capacity:
    """The price book's capacity settings, or the defaults when no price book is loaded."""
    try:
        return council(ctx).capacity.rule()
    except NotFound:
        return Capacity()


def capacity_lines(ctx: Context, first: date, last: date, capacity: Capacity | None = None,
                   only: list[Post] | None = None) -> list[CapacityLine]:
    """Hours each assignment of a delivery post can deliver over ``first..last`` (after allowances)."""
    setting = capacity or capacity_setting(ctx)
    out: list[CapacityLine] = []
    for post in posts(ctx) if only is None else only:
        if not post.delivery:
            continue
        for a in post.assignments:
            start, end = _filled(post, a.starts_on, a.ends_on)
            a_first, a_last = max(first, start), last if end is None else min(last, end)
            if a_last < a_first:
                continue
            out.append(CapacityLine(post.id, post.title, a.id, a.person, a.staff_id, a.fte,
                                    capacity_hours(a.fte, a_first, a_last, setting)))
    return out


def vacancies(ctx: Context, on: date, only: list[Post] | None = None) -> list[Vacancy]:
    """Posts in force on ``on`` with less FTE filled than established (vacant FTE > 0)."""
    out: list[Vacancy] = []
    for post in posts(ctx) if only is None else only:
        if post.starts_on > on or (post.ends_on is not None and post.ends_on < on):
            continue
        filled = sum((a.fte for a in post.assignments
                      if a.starts_on <= on and (a.ends_on is None or a.ends_on >= on)), Decimal(0))
        if filled < post.fte:
            out.append(Vacancy(post.id, post.title, post.fte, filled))
    return out
