"""A school's subscription as the portal shows it, and what renewing it would raise.

The page reads the contract in force (else the school's latest), its instalments
with whether each is on an invoice yet, the earliest day notice given today could
end it (§4: twelve weeks, never past the contract's own end) and whether it may be
renewed. :func:`preview_renewal` plans the next two-year term exactly as
billing.subscriptions.renew_subscription makes it (the same domain calls on the
same rows), writing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.charges import is_invoiced
from billing.context import Context
from billing.models import School, Subscription
from billing.subscriptions import (
    as_record,
    get_subscription,
    live_subscription,
    plan_term,
    renewal_terms,
    subscription_charges,
)
from contracts import subscription as domain
from contracts.cancellation import check_cancellation
from contracts.states import ChargeStatus, SubscriptionStatus
from pricing.errors import RuleViolation
from pricing.money import ZERO


@dataclass(frozen=True)
class PlannedInstalment:
    """One charge a contract raises or would raise: due day, amount (net of VAT), line text, period."""

    due_on: date
    amount: Decimal
    description: str
    period_start: date
    period_end: date


@dataclass(frozen=True)
class RenewalPreview:
    """The next two-year term of a subscription and the instalments it would raise (§3)."""

    renews: int
    tier: str
    schedule: str
    starts_on: date
    ends_on: date
    instalments: tuple[PlannedInstalment, ...]

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.instalments), ZERO)


def _renewed_as(ctx: Context, sub: Subscription) -> int | None:
    return ctx.session.scalar(select(Subscription.id).where(Subscription.renews_id == sub.id))


def preview_renewal(ctx: Context, subscription_id: int) -> RenewalPreview:
    """What renewing would make, refused as renewing would be: cancelled, renewed before, a clash, no price book."""
    old = get_subscription(ctx, subscription_id)
    terms = renewal_terms(ctx, old)
    _, plan = plan_term(ctx, old.school, terms)
    return RenewalPreview(old.id, terms.tier, terms.schedule, terms.starts_on, terms.ends_on, tuple(
        PlannedInstalment(fee.due_on, fee.amount, fee.description, fee.period_start, fee.period_end)
        for fee in plan))


@dataclass(frozen=True)
class InstalmentLine:
    """An instalment as the school sees it: ``state`` is invoiced, to be invoiced, or withdrawn."""

    due_on: date
    amount: Decimal
    description: str
    state: str


@dataclass(frozen=True)
class SubscriptionPage:
    id: int
    tier: str
    schedule: str
    starts_on: date
    ends_on: date
    status: str
    effective_end: date | None
    notice_on: date | None
    instalments: tuple[InstalmentLine, ...]
    earliest_end: date | None  # notice given today would end it on this day; None once cancelled or over
    renewal_refused: str | None  # why it cannot be renewed, else None
    renewed_as: int | None

    @property
    def cancelled(self) -> bool:
        return self.status == SubscriptionStatus.CANCELLED

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.instalments if i.state != "withdrawn"), ZERO)


def current_subscription(ctx: Context, school: School) -> Subscription | None:
    """The subscription in force today, else the school's latest to start (a past or future one), else None."""
    found = live_subscription(ctx, school.id, ctx.today)
    if found is not None:
        return found
    return ctx.session.scalars(select(Subscription).where(Subscription.school_id == school.id)
                               .order_by(Subscription.starts_on.desc(), Subscription.id.desc())).first()


def _state(status: str, charge_invoiced: bool) -> str:
    if status != ChargeStatus.DUE:
        return str(status)
    return "invoiced" if charge_invoiced else "to be invoiced"


def subscription_page(ctx: Context, sub: Subscription) -> SubscriptionPage:
    instalments = tuple(InstalmentLine(c.due_on, c.amount, c.description, _state(c.status, is_invoiced(ctx, c)))
                        for c in subscription_charges(ctx, sub))
    record = as_record(sub)
    earliest: date | None = None
    if record.status == SubscriptionStatus.LIVE and sub.starts_on <= ctx.today <= sub.ends_on:
        earliest = check_cancellation(sub.starts_on, sub.ends_on, ctx.today, ctx.today).effective_end
    renewed_as = _renewed_as(ctx, sub)
    refused: str | None = None
    try:
        domain.renewal(record, renewed_as)
    except RuleViolation as refusal:
        refused = str(refusal)
    return SubscriptionPage(sub.id, sub.tier, sub.schedule, sub.starts_on, sub.ends_on, sub.status,
                            sub.effective_end, sub.notice_on, instalments, earliest, refused, renewed_as)
