"""Posts, assignments and funding budgets written straight through the ORM models (issue 19)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from billing.context import Context
from billing.models import FundingBudget, Post, PostAssignment, PostFunding, Staff

NOW = datetime(2019, 3, 1, 12, 0, tzinfo=UTC)


def post(ctx: Context, title: str, fte: str, annual: str, starts: date, *, funding: dict[str, str] | None = None,
         amounts: bool = False, ends: date | None = None, delivery: bool = True, on_costs: str = "0") -> Post:
    """A post; ``funding`` maps canonical sources to percentages (or 12-month amounts with ``amounts``)."""
    p = Post(title=title, fte=Decimal(fte), grade=None, contract="permanent", annual_cost=Decimal(annual),
             on_cost_percent=Decimal(on_costs), starts_on=starts, ends_on=ends, delivery=delivery, created_at=NOW)
    for source, weight in (funding or {"council budget": "100"}).items():
        p.funding.append(PostFunding(source=source, percent=None if amounts else Decimal(weight),
                                     amount=Decimal(weight) if amounts else None))
    ctx.session.add(p)
    ctx.session.flush()
    return p


def assign(ctx: Context, post_: Post, person: str, fte: str, starts: date, ends: date | None = None,
           staff: Staff | None = None) -> PostAssignment:
    a = PostAssignment(post=post_, person=person, staff_id=staff.id if staff else None, fte=Decimal(fte),
                       starts_on=starts, ends_on=ends, created_at=NOW)
    ctx.session.add(a)
    ctx.session.flush()
    return a


def funding_budget(ctx: Context, source: str, description: str, amount: str, starts: date,
                   ends: date) -> FundingBudget:
    fb = FundingBudget(source=source, description=description, amount=Decimal(amount), starts_on=starts,
                       ends_on=ends, created_at=NOW)
    ctx.session.add(fb)
    ctx.session.flush()
    return fb
