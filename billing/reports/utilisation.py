"""Utilisation: the hours each delivery post-holder delivered against the hours they could (issue 19, §9).

Capacity: per assignment of a delivery post (a post marked as counting in delivery
capacity), working days in the days it is filled inside the period (weekends and
England bank holidays excluded) less the leave and training allowances (days a
full-time year, shared by calendar days), × hours a day (hours a week ÷ 5) × the
assignment's FTE (pricing.establishment.capacity_hours, settings from the price
book's ``council.capacity``; billing.reports.establishment_cost.capacity_lines).

Delivered: the hours of sessions delivered and deemed delivered (§5: deemed hours
count as delivered; billing.reports.ledger.work_done) by the member of staff linked
to the assignment, on the days the assignment covers. A session on a day two of the
same person's delivery assignments cover counts once, for the first (post title,
then start date). Utilisation = delivered ÷ capacity, to one decimal place.

Hours delivered by someone with no delivery assignment on that day (no post, a post
that is not a delivery post, or before or after their assignment) are shown apart:
they are in no capacity, so they are not in the utilisation.

Over 100% a row is marked: more hours delivered than the assignment's capacity
usually means the FTE recorded is too low or hours were recorded against the wrong
person, so the figure is to be checked rather than read as good news.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.context import Context
from billing.reports.establishment_cost import capacity_lines, capacity_setting, posts
from billing.reports.ledger import work_done
from billing.staff_rates import staff_by_id
from pricing.errors import InvalidInput
from pricing.establishment import Capacity, utilisation

ZERO_HOURS = Decimal("0.00")
FULL = Decimal(100)
OVER_CAPACITY = "over capacity: check the FTE or the hours recorded"
NOT_IN_UTILISATION = "no delivery post: not in the total or the utilisation"
METHOD = (
    "Capacity: per person in a delivery post, the working days the post is filled in the period (weekends and "
    "bank holidays excluded) less the leave and training allowances (days a full-time year, shared by calendar "
    "days), x hours a day (hours a week / 5) x their FTE. Delivered: the hours of sessions delivered and deemed "
    "delivered (deemed hours count as delivered) by that person on those days; a day two of one person's "
    "delivery posts cover counts once. Utilisation = delivered / capacity, to one decimal place. Hours delivered "
    "by someone with no delivery post on the day are shown apart and are in neither the total nor the "
    "utilisation. Over 100% a row is marked: check the FTE or the hours recorded.")


@dataclass(frozen=True)
class UtilisationRow:
    """One assignment of a delivery post over the days of the period it covers."""

    post: str
    person: str
    staff: str | None  # the member of staff whose sessions count (None: not linked, so nothing delivered)
    fte: Decimal
    first: date
    last: date
    capacity: Decimal
    delivered: Decimal  # deemed-delivered hours included
    deemed: Decimal

    @property
    def utilisation(self) -> Decimal | None:
        return utilisation(self.delivered, self.capacity)

    @property
    def over_capacity(self) -> bool:
        """More hours delivered than the assignment could deliver: the FTE or the hours need checking."""
        value = self.utilisation
        return value is not None and value > FULL

    def as_json(self) -> dict[str, object]:
        return {"post": self.post, "person": self.person, "staff": self.staff, "fte": self.fte,
                "from": self.first, "to": self.last, "capacity_hours": self.capacity,
                "delivered_hours": self.delivered, "deemed_hours": self.deemed,
                "utilisation_percent": self.utilisation, "over_capacity": self.over_capacity,
                "check": OVER_CAPACITY if self.over_capacity else None}


@dataclass(frozen=True)
class Unposted:
    """Hours a member of staff delivered on days no delivery assignment of theirs covers."""

    staff: str
    role: str
    delivered: Decimal  # deemed-delivered hours included
    deemed: Decimal

    def as_json(self) -> dict[str, object]:
        return {"staff": self.staff, "role": self.role, "delivered_hours": self.delivered,
                "deemed_hours": self.deemed}


@dataclass(frozen=True)
class UtilisationReport:
    first: date
    last: date
    setting: Capacity
    rows: list[UtilisationRow]
    unposted: list[Unposted]

    @property
    def capacity(self) -> Decimal:
        return sum((r.capacity for r in self.rows), ZERO_HOURS)

    @property
    def delivered(self) -> Decimal:
        return sum((r.delivered for r in self.rows), ZERO_HOURS)

    @property
    def deemed(self) -> Decimal:
        return sum((r.deemed for r in self.rows), ZERO_HOURS)

    @property
    def utilisation(self) -> Decimal | None:
        return utilisation(self.delivered, self.capacity)

    @property
    def unposted_hours(self) -> Decimal:
        """Hours delivered by people with no delivery post on the day: apart, in no total."""
        return sum((u.delivered for u in self.unposted), ZERO_HOURS)

    @property
    def has_days(self) -> bool:
        return self.last >= self.first

    def as_json(self) -> dict[str, object]:
        return {
            "from": self.first, "to": self.last, "days": self.has_days,
            "settings": {"hours_per_week": self.setting.hours_per_week, "leave_days": self.setting.leave_days,
                         "training_days": self.setting.training_days},
            "assignments": [r.as_json() for r in self.rows],
            "totals": {"capacity_hours": self.capacity, "delivered_hours": self.delivered,
                       "deemed_hours": self.deemed, "utilisation_percent": self.utilisation},
            "without_a_delivery_post": [u.as_json() for u in self.unposted],
            "without_a_delivery_post_hours": self.unposted_hours,
            "method": METHOD,
        }


def utilisation_report(ctx: Context, first: date, last: date) -> UtilisationReport:
    """Capacity, hours delivered and utilisation per delivery assignment over ``first..last``."""
    if last < first:
        raise InvalidInput(f"The period ends ({last}) before it starts ({first}).", code="bad_period")
    setting = capacity_setting(ctx)
    every = posts(ctx)
    hours = {c.assignment_id: c.hours for c in capacity_lines(ctx, first, last, setting, only=every)}
    # (assignment id, staff id, first day, last day) of each delivery assignment inside the period, in report order
    covers: list[tuple[int, int | None, date, date]] = []
    for post in every:
        if not post.delivery:
            continue
        for a in post.assignments:
            ends = [d for d in (a.ends_on, post.ends_on, last) if d is not None]
            a_first, a_last = max(first, a.starts_on, post.starts_on), min(ends)
            if a.id in hours and a_first <= a_last:
                covers.append((a.id, a.staff_id, a_first, a_last))
    delivered: dict[int, Decimal] = defaultdict(lambda: ZERO_HOURS)
    deemed: dict[int, Decimal] = defaultdict(lambda: ZERO_HOURS)
    who: dict[int, tuple[str, str]] = {}
    for w in work_done(ctx, last):
        if w.day < first:
            continue
        owner = next((aid for aid, sid, a, b in covers if sid == w.staff_id and a <= w.day <= b), None)
        if owner is None:
            who[w.staff_id] = (w.staff_name, w.role)
            owner = -w.staff_id  # apart: keyed by the member of staff, never an assignment id (> 0)
        delivered[owner] += w.hours
        if w.deemed:
            deemed[owner] += w.hours
    rows: list[UtilisationRow] = []
    names = staff_by_id(ctx, {sid for _, sid, _, _ in covers if sid is not None})
    by_id = {a.id: (post, a) for post in every for a in post.assignments}
    for aid, sid, a_first, a_last in covers:
        post, a = by_id[aid]
        rows.append(UtilisationRow(post.title, a.person, names[sid].name if sid in names else None, a.fte,
                                   a_first, a_last, hours[aid], delivered[aid], deemed[aid]))
    unposted = sorted((Unposted(name, role, delivered[-sid], deemed[-sid]) for sid, (name, role) in who.items()),
                      key=lambda u: u.staff)
    return UtilisationReport(first, last, setting, rows, unposted)


def utilisation_to_date(ctx: Context, first: date, last: date) -> UtilisationReport:
    """As :func:`utilisation_report`, but a period that has not begun by ``last`` (a future year to the
    as-of date) is a report with no days yet rather than a mistake."""
    if last < first:
        return UtilisationReport(first, last, capacity_setting(ctx), [], [])
    return utilisation_report(ctx, first, last)
