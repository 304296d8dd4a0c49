"""Subscriptions as the team looks them up: `subscription add|renew|show|list`.

A contract's row (its term, schedule and status; ``effective_end`` once
cancelled) and, shown one at a time, the instalment charges it raised, withdrawn
ones included, in due order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.context import Context
from billing.models import Charge, Subscription
from billing.subscriptions import get_subscription, list_subscriptions, subscription_charges


@dataclass(frozen=True)
class SubscriptionRow:
    id: int
    urn: str
    tier: str
    start: date
    end: date
    schedule: str
    status: str
    effective_end: date | None

    @property
    def term_end(self) -> date:
        """The end a list shows: the effective end of a cancelled contract, else the contract's."""
        return self.effective_end or self.end

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "urn": self.urn, "tier": self.tier, "start": self.start, "end": self.end,
                "schedule": self.schedule, "status": self.status, "effective_end": self.effective_end}


@dataclass(frozen=True)
class InstalmentView:
    """One charge a subscription raised: ``key`` is its source key on the ledger."""

    date: date
    amount: Decimal
    description: str
    key: str
    status: str

    def as_json(self) -> dict[str, object]:
        return {"date": self.date, "amount": self.amount, "description": self.description, "key": self.key,
                "status": self.status}


@dataclass(frozen=True)
class SubscriptionDetail:
    """The contract's shape in cli-contract.md (`subscription add`): the row, what it renews, its charges."""

    subscription: SubscriptionRow
    renews: int | None
    charges: tuple[InstalmentView, ...]

    def as_json(self) -> dict[str, object]:
        return {**self.subscription.as_json(), "renews": self.renews,
                "charges": [c.as_json() for c in self.charges]}


def _row(sub: Subscription) -> SubscriptionRow:
    return SubscriptionRow(sub.id, sub.school.urn, sub.tier, sub.starts_on, sub.ends_on, sub.schedule, sub.status,
                           sub.effective_end)


def subscription_detail(ctx: Context, sub: Subscription, charges: Sequence[Charge] | None = None) -> SubscriptionDetail:
    """``sub`` with ``charges`` (default: its instalment charges as the ledger holds them)."""
    rows = list(charges) if charges is not None else subscription_charges(ctx, sub)
    return SubscriptionDetail(_row(sub), sub.renews_id, tuple(
        InstalmentView(c.due_on, c.amount, c.description, c.source_key, c.status) for c in rows))


def show_subscription(ctx: Context, subscription_id: int) -> SubscriptionDetail:
    return subscription_detail(ctx, get_subscription(ctx, subscription_id))


def subscription_rows(ctx: Context, urn: str | None = None) -> list[SubscriptionRow]:
    """Subscriptions by id: every school's, or one school's."""
    return [_row(sub) for sub in list_subscriptions(ctx, urn)]
