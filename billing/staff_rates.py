"""Dated staff cost rates: an hourly cost that changes over time (domain-rules §9).

Each member of staff has an hourly cost (salary plus on-costs over productive
hours). A new rate applies from its date on; work done before that date keeps
the rate that was in force when it was done, so past cases never change cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing.context import Context
from billing.models import Staff, StaffRate
from billing.schools import get_staff, rate_on
from pricing.money import parse_money


def set_rate(ctx: Context, name: str, effective_from: date, cost: str | Decimal) -> StaffRate:
    """Record ``name``'s hourly cost from ``effective_from`` on (§9: past work keeps its rate).

    A rate already starting on that same day is replaced (audited with the old figure);
    rates starting on other days are untouched.
    """
    staff = get_staff(ctx, name)
    amount = parse_money(cost, f"the cost per hour for {staff.name}")
    existing = ctx.session.scalar(
        select(StaffRate).where(StaffRate.staff_id == staff.id, StaffRate.effective_from == effective_from)
    )
    previous = existing.cost_per_hour if existing is not None else None
    if existing is None:
        existing = StaffRate(staff_id=staff.id, effective_from=effective_from, cost_per_hour=amount)
        ctx.session.add(existing)
    else:
        existing.cost_per_hour = amount
    ctx.session.flush()
    ctx.session.expire(staff, ["rates"])
    ctx.audit("staff.rate", "staff", staff.id,
              {"name": staff.name, "from": effective_from, "cost_per_hour": amount, "previous": previous})
    return existing


def staff_by_id(ctx: Context, ids: Iterable[int] | None = None) -> dict[int, Staff]:
    """Staff (with their dated rates loaded) keyed by id: one query for a whole report."""
    query = select(Staff).options(selectinload(Staff.rates))
    if ids is not None:
        wanted = set(ids)
        if not wanted:
            return {}
        query = query.where(Staff.id.in_(wanted))
    return {s.id: s for s in ctx.session.scalars(query)}


def hours_cost(staff: Staff, day: date, hours: Decimal) -> Decimal:
    """Hours × the staff member's rate in force on ``day`` — exact, not rounded (rounded once per total)."""
    return hours * rate_on(staff, day)
