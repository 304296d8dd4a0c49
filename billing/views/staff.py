"""The team and their hourly costs as they are looked up: `staff list|show`.

The hourly cost shown is the one in force on the as-of day (billing.staff_rates:
a new rate applies from its date on); a member whose first rate starts later
has none yet (``null``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing.context import Context
from billing.models import Staff
from billing.schools import get_staff
from pricing.errors import NotFound


@dataclass(frozen=True)
class StaffView:
    id: int
    name: str
    role: str
    cost_per_hour: Decimal | None
    rate_from: date | None
    rates: tuple[tuple[date, Decimal], ...]

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "role": self.role, "cost_per_hour": self.cost_per_hour,
                "rate_from": self.rate_from}

    def detail_json(self) -> dict[str, object]:
        return {**self.as_json(), "rates": [{"from": start, "cost_per_hour": cost} for start, cost in self.rates]}


def _view(staff: Staff, today: date) -> StaffView:
    rates = tuple((r.effective_from, r.cost_per_hour) for r in staff.rates)
    current = [(start, cost) for start, cost in rates if start <= today]
    start, cost = current[-1] if current else (None, None)
    return StaffView(staff.id, staff.name, staff.role, cost, start, rates)


def list_staff(ctx: Context) -> list[StaffView]:
    """Every member of staff by name, with the hourly cost in force on the as-of day."""
    members = ctx.session.scalars(select(Staff).options(selectinload(Staff.rates)).order_by(Staff.name))
    return [_view(member, ctx.today) for member in members]


def show_staff(ctx: Context, key: str) -> StaffView:
    """One member of staff by id (digits) or name, with every dated rate."""
    text = key.strip()
    if text.isascii() and text.isdigit():
        member = ctx.session.get(Staff, int(text))
        if member is None:
            raise NotFound(f"There is no member of staff {text}.", code="unknown_staff")
    else:
        member = get_staff(ctx, text)
    return _view(member, ctx.today)
