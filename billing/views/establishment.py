"""The establishment as it is looked up: posts with who fills them, vacancies, and funding budgets.

A post's figures are its 12-month cost with on-costs (at the post's FTE) and each
funding source's 12-month share of it (pricing.establishment.split_by_funding: the
shares add up exactly). Filled and vacant FTE are on one day (the as-of day unless
asked): a post not in force that day is neither filled nor vacant. A funding budget
is shown with its part in each financial year and the days that make it
(pricing.establishment.prorate_budget).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.context import Context
from billing.establishment import funding_budgets, funding_text, post_cost, staff_names
from billing.models import FundingBudget, Post, PostAssignment
from billing.reports.establishment_cost import assignment_annual_cost, posts
from pricing.calendars import days_inclusive
from pricing.establishment import prorate_budget, share_of_post, split_by_funding
from pricing.money import ZERO


@dataclass(frozen=True)
class FundingShare:
    source: str
    percent: Decimal | None
    amount: Decimal | None  # as given: a 12-month amount (None when funded by percentage)
    cost_12_months: Decimal  # this source's share of the post's 12-month cost with on-costs

    def as_json(self) -> dict[str, object]:
        return {"source": self.source, "percent": self.percent, "amount": self.amount,
                "cost_12_months": self.cost_12_months}


@dataclass(frozen=True)
class AssignmentView:
    id: int
    post: str
    person: str
    staff_id: int | None
    staff: str | None
    fte: Decimal
    starts_on: date
    ends_on: date | None
    cost_12_months: Decimal  # this FTE's share of the post's 12-month cost with on-costs
    in_force: bool

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "post": self.post, "person": self.person, "staff_id": self.staff_id,
                "staff": self.staff, "fte": self.fte, "starts_on": self.starts_on, "ends_on": self.ends_on,
                "cost_12_months": self.cost_12_months, "in_force": self.in_force}


@dataclass(frozen=True)
class PostView:
    id: int
    title: str
    fte: Decimal
    filled: Decimal
    grade: str | None
    contract: str
    annual_cost: Decimal  # 12 months at the post's FTE, before on-costs
    on_cost_percent: Decimal
    cost_12_months: Decimal  # with on-costs
    starts_on: date
    ends_on: date | None
    delivery: bool
    status: str  # in force, ended, starts later (on the day asked)
    funding: str
    shares: tuple[FundingShare, ...]
    assignments: tuple[AssignmentView, ...]

    @property
    def vacant(self) -> Decimal:
        return self.fte - self.filled if self.status == "in force" else ZERO

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "fte": self.fte, "filled": self.filled, "vacant": self.vacant,
                "grade": self.grade, "contract": self.contract, "annual_cost": self.annual_cost,
                "on_cost_percent": self.on_cost_percent, "cost_12_months": self.cost_12_months,
                "starts_on": self.starts_on, "ends_on": self.ends_on, "delivery": self.delivery,
                "status": self.status, "funding": self.funding, "shares": [s.as_json() for s in self.shares],
                "assignments": [a.as_json() for a in self.assignments]}


@dataclass(frozen=True)
class VacancyView:
    post_id: int
    post: str
    fte: Decimal
    filled: Decimal
    vacant: Decimal
    vacant_cost_12_months: Decimal  # what filling the vacant FTE would cost for 12 months, with on-costs
    funding: str

    def as_json(self) -> dict[str, object]:
        return {"post_id": self.post_id, "post": self.post, "fte": self.fte, "filled": self.filled,
                "vacant": self.vacant, "vacant_cost_12_months": self.vacant_cost_12_months, "funding": self.funding}


@dataclass(frozen=True)
class BudgetPartView:
    fy: str
    days: int
    of_days: int
    amount: Decimal

    def as_json(self) -> dict[str, object]:
        return {"fy": self.fy, "days": self.days, "of_days": self.of_days, "amount": self.amount}


@dataclass(frozen=True)
class FundingBudgetView:
    id: int
    source: str
    description: str
    amount: Decimal
    starts_on: date
    ends_on: date
    days: int
    parts: tuple[BudgetPartView, ...]

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "source": self.source, "description": self.description, "amount": self.amount,
                "starts_on": self.starts_on, "ends_on": self.ends_on, "days": self.days,
                "parts": [p.as_json() for p in self.parts]}


def _status(post: Post, on: date) -> str:
    if post.starts_on > on:
        return "starts later"
    if post.ends_on is not None and post.ends_on < on:
        return "ended"
    return "in force"


def _in_force(a: PostAssignment, on: date) -> bool:
    return a.starts_on <= on and (a.ends_on is None or a.ends_on >= on)


def assignment_view(a: PostAssignment, on: date, staff: dict[int, str]) -> AssignmentView:
    """One assignment, in force or not on ``on``."""
    return AssignmentView(a.id, a.post.title, a.person, a.staff_id, staff.get(a.staff_id) if a.staff_id else None,
                          a.fte, a.starts_on, a.ends_on, assignment_annual_cost(a.post, a.fte), _in_force(a, on))


def post_view(post: Post, on: date, staff: dict[int, str]) -> PostView:
    """One post as it stands on ``on``."""
    cost = post_cost(post)
    weights = {p.source: p.percent if p.percent is not None else p.amount for p in post.funding}
    split = split_by_funding(cost, {k: v for k, v in weights.items() if v is not None}) if weights else {}
    shares = tuple(FundingShare(p.source, p.percent, p.amount, split.get(p.source, ZERO)) for p in post.funding)
    status = _status(post, on)
    people = tuple(assignment_view(a, on, staff) for a in post.assignments)
    filled = sum((a.fte for a in people if a.in_force), ZERO) if status == "in force" else ZERO
    return PostView(post.id, post.title, post.fte, filled, post.grade, post.contract, post.annual_cost,
                    post.on_cost_percent, cost, post.starts_on, post.ends_on, post.delivery, status,
                    funding_text(post), shares, people)


def list_posts(ctx: Context, on: date | None = None) -> list[PostView]:
    """Every post by title, filled and vacant FTE on ``on`` (default: the as-of day)."""
    day = ctx.today if on is None else on
    staff = staff_names(ctx)
    return [post_view(p, day, staff) for p in posts(ctx)]


def list_vacancies(ctx: Context, on: date | None = None) -> list[VacancyView]:
    """Posts in force on ``on`` (default: the as-of day) with FTE not filled, and what filling it would cost."""
    day = ctx.today if on is None else on
    out: list[VacancyView] = []
    for post in posts(ctx):
        if _status(post, day) != "in force":
            continue
        filled = sum((a.fte for a in post.assignments if _in_force(a, day)), ZERO)
        if filled < post.fte:
            vacant = post.fte - filled
            out.append(VacancyView(post.id, post.title, post.fte, filled, vacant,
                                   share_of_post(post_cost(post), post.fte, vacant), funding_text(post)))
    return out


def budget_view(budget: FundingBudget) -> FundingBudgetView:
    parts = tuple(BudgetPartView(p.fy.name, p.days, p.of_days, p.amount)
                  for p in prorate_budget(budget.amount, budget.starts_on, budget.ends_on))
    return FundingBudgetView(budget.id, budget.source, budget.description, budget.amount, budget.starts_on,
                             budget.ends_on, days_inclusive(budget.starts_on, budget.ends_on), parts)


def list_funding_budgets(ctx: Context) -> list[FundingBudgetView]:
    """Every funding source's budget, each with its part in each financial year and the days."""
    return [budget_view(b) for b in funding_budgets(ctx)]
