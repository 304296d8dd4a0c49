"""Cancellation on twelve weeks' written notice, and what it costs (domain-rules.md §4).

Subscriptions: the effective end is the later of the requested end and the
notice date plus 84 days; the fee accrued to then is settled against what was
invoiced. Ordered products: a school cancelling late (or part-way through
delivery) pays in full, or the recorded costs actually incurred if lower; a
service that cannot deliver refunds the undelivered part.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, TypeVar, get_args

from contracts.states import ChargeStatus, OrderStatus, SubscriptionStatus, move
from contracts.subscription import DayFormat, SubscriptionRecord
from pricing.accrual import accrued
from pricing.errors import InvalidInput, RuleViolation
from pricing.fees import FeeSpan
from pricing.money import ZERO, as_pounds, money, parse_money, to_pence

NOTICE_WEEKS = 12
NOTICE_PERIOD = timedelta(weeks=NOTICE_WEEKS)  # 84 days

CancelledBy = Literal["school", "service"]
SettlementKind = Literal["invoice", "credit_note", "none"]

Status = TypeVar("Status", SubscriptionStatus, OrderStatus)


class AlreadyCancelled(RuleViolation):
    code = "already_cancelled"


def cancelled(current: str, target: Status, what: str, already: str) -> Status:
    """``target`` (the cancelled state) for a record now ``current``; ``already`` is the refusal
    when it was cancelled before, any other move not allowed is an IllegalTransition."""
    if current == target:
        raise AlreadyCancelled(already)
    return move(current, target, what)


def earliest_end(notice_on: date) -> date:
    """The first day a notice given on ``notice_on`` can take effect: notice + 84 days (§4)."""
    return notice_on + NOTICE_PERIOD


def effective_end(notice_on: date, requested_end: date) -> date:
    """The later of the requested end and notice + 12 weeks (§4).

    >>> effective_end(date(2020, 1, 6), date(2020, 2, 28))
    datetime.date(2020, 3, 30)
    """
    return max(requested_end, earliest_end(notice_on))


@dataclass(frozen=True)
class Cancellation:
    """A checked cancellation: the day the contract stops, and whether the contract's own end set it."""

    notice_on: date
    requested_end: date
    effective_end: date
    capped_at_contract_end: bool


def check_cancellation(
    contract_start: date, contract_end: date, notice_on: date, requested_end: date
) -> Cancellation:
    """Validate a notice against its contract and fix the effective end (§4).

    Refuses notice before the contract starts, notice after it has ended, and
    a requested end before the notice. A contract ends on its own end date
    whatever the notice says: twelve weeks' notice cannot extend it, so an
    effective end beyond the contract end is capped there.
    """
    if contract_end < contract_start:
        raise InvalidInput(f"A contract from {contract_start} cannot end earlier, on {contract_end}.")
    if notice_on < contract_start:
        raise RuleViolation(f"Notice on {notice_on} comes before the contract starts on {contract_start}.")
    if notice_on > contract_end:
        raise RuleViolation(f"Notice on {notice_on} comes after the contract ended on {contract_end}.")
    if requested_end < notice_on:
        raise InvalidInput(f"The requested end {requested_end} is before the notice given on {notice_on}.")
    end = effective_end(notice_on, requested_end)
    capped = end > contract_end
    return Cancellation(
        notice_on=notice_on,
        requested_end=requested_end,
        effective_end=contract_end if capped else end,
        capped_at_contract_end=capped,
    )


@dataclass(frozen=True)
class Settlement:
    """What squares a cancelled subscription: an invoice for a shortfall, a credit note for an excess.

    ``amount`` is never negative; the kind says which way the money goes.
    """

    kind: SettlementKind
    amount: Decimal

    def __post_init__(self) -> None:
        if self.kind not in get_args(SettlementKind):
            raise InvalidInput(f"Settlement kind {self.kind!r} must be invoice, credit_note or none.")
        amount = money(self.amount)
        if amount < 0:
            raise InvalidInput(f"A settlement of {amount} cannot be negative; the kind gives the direction.")
        if (self.kind == "none") != (amount == 0):
            raise InvalidInput(f"A {self.kind} settlement cannot be for {amount}.")
        object.__setattr__(self, "amount", amount)


def settle(accrued: Decimal, invoiced: Decimal) -> Settlement:
    """Settle the fee accrued to the effective end against what was invoiced (§4).

    ``accrued`` may be an exact unrounded figure. It is fixed to the penny
    (half up) before the difference is taken, so a half penny of fee counts
    the same whichever way the settlement goes.
    """
    _require_decimal(accrued, "accrued fee")
    invoiced = money(invoiced)
    if accrued < 0 or invoiced < 0:
        raise InvalidInput(f"Accrued {accrued} and invoiced {invoiced} cannot be negative.")
    difference = to_pence(accrued) - invoiced
    if difference > 0:
        return Settlement("invoice", difference)
    if difference < 0:
        return Settlement("credit_note", -difference)
    return Settlement("none", ZERO)


def order_cancellation_charge(
    price: Decimal,
    notice_on: date,
    deliver_on: date | None,
    delivery_started: bool,
    costs_incurred: Decimal | None,
    by: CancelledBy,
) -> Decimal:
    """What the school pays when an ordered product is cancelled (§4).

    By the school part-way through delivery, or with less than twelve weeks'
    notice before delivery: the full price, or the manager's recorded costs
    actually incurred if given, capped at the price. Twelve weeks or more
    (``notice_on <= deliver_on - 84 days``): nothing. By the service: nothing
    (its refund of anything already paid is :func:`undelivered_refund`).

    An order with no delivery date that has not started has no delivery to
    give notice before, so cancelling it costs nothing.
    """
    price = money(price)
    if price < 0:
        raise InvalidInput(f"An order price of {price} cannot be negative.")
    if by not in get_args(CancelledBy):
        raise InvalidInput(f"An order is cancelled by the school or the service, not {by!r}.")
    costs = None if costs_incurred is None else money(costs_incurred)
    if costs is not None and costs < 0:
        raise InvalidInput(f"Costs incurred of {costs} cannot be negative.")
    if by == "service":
        return ZERO
    if not delivery_started:
        if deliver_on is None or notice_on <= deliver_on - NOTICE_PERIOD:
            return ZERO
    return price if costs is None else min(costs, price)


def undelivered_refund(price: Decimal, units_total: int | Decimal, units_delivered: int | Decimal) -> Decimal:
    """The refund when the service cannot deliver: the part of the price not delivered (§4).

    Units are whatever the order was priced in (sessions, days, places). The
    refund is price × undelivered ÷ total, fixed to the penny half up, so a
    half penny goes to the school.
    """
    price = money(price)
    if price < 0:
        raise InvalidInput(f"An order price of {price} cannot be negative.")
    _require_decimal(units_total, "units ordered")
    _require_decimal(units_delivered, "units delivered")
    if units_total <= 0:
        raise InvalidInput(f"An order of {units_total} units has nothing to refund against.")
    if not 0 <= units_delivered <= units_total:
        raise InvalidInput(f"{units_delivered} units delivered is outside the {units_total} ordered.")
    return to_pence(price * (Decimal(units_total) - Decimal(units_delivered)) / Decimal(units_total))


# --- a subscription cancelled: the whole plan ------------------------------------------------


@dataclass(frozen=True)
class Instalment:
    """One of the subscription's fee charges on the ledger, by its natural key."""

    key: str
    status: str
    invoiced: bool


@dataclass(frozen=True)
class SubscriptionSettlement:
    """What to do to cancel a subscription (§4): withdraw these instalments, then invoice or credit.

    ``invoiced`` is what the school was invoiced net, less credit notes already issued
    against it; ``settlement`` squares ``accrued`` with it.
    """

    cancellation: Cancellation
    status: SubscriptionStatus
    accrued: Decimal
    invoiced: Decimal
    settlement: Settlement
    withdraw: tuple[str, ...]  # instalment keys, in the order given
    description: str  # the settlement line, when there is one to invoice
    credit_reason: str  # what a credit note for an excess says

    @property
    def effective_end(self) -> date:
        return self.cancellation.effective_end


def settlement_description(tier: str, start: date, end: date, accrued_fee: Decimal, invoiced_net: Decimal,
                           day: DayFormat) -> str:
    """The settlement line on cancellation (§4): the fee accrued to the effective end, less what was invoiced.

    "Initial subscription fee, 2025-09-01 to 2026-04-27 (cancelled: £5,213.11 accrued to its
    effective end, less £3,000.00 already invoiced)"; with nothing invoiced before, only the fee
    to the effective end.
    """
    text = f"{tier.capitalize()} subscription fee, {day(start)} to {day(end)}"
    if not invoiced_net:
        return f"{text} (cancelled: the fee to its effective end)"
    return (f"{text} (cancelled: {as_pounds(accrued_fee)} accrued to its effective end, "
            f"less {as_pounds(invoiced_net)} already invoiced)")


def plan_subscription_cancellation(sub: SubscriptionRecord, fee_spans: Iterable[FeeSpan], notice_on: date,
                                   requested_end: date, instalments: Iterable[Instalment], invoiced_net: Decimal,
                                   day: DayFormat) -> SubscriptionSettlement:
    """Cancel on written notice (§4): effective end, fee accrued to it, instalments withdrawn, settlement.

    ``fee_spans`` are the contract's fee per covered year span as raised; ``invoiced_net``
    what was invoiced of them net, less credit notes already issued against it. Every
    instalment still due and not invoiced is withdrawn, so nothing after the end is ever
    raised and nothing before it is billed twice. A subscription is cancelled once.
    """
    end_text = sub.effective_end.isoformat() if sub.effective_end else "?"
    status = cancelled(sub.status, SubscriptionStatus.CANCELLED, f"subscription {sub.id}",
                       f"subscription {sub.id} was already cancelled (effective end {end_text})")
    checked = check_cancellation(sub.starts_on, sub.ends_on, notice_on, requested_end)
    end = checked.effective_end
    fee = accrued(fee_spans, end)
    withdraw = tuple(i.key for i in instalments if not i.invoiced and i.status == ChargeStatus.DUE)
    return SubscriptionSettlement(
        checked, status, fee, invoiced_net, settle(fee, invoiced_net), withdraw,
        description=settlement_description(sub.tier, sub.starts_on, end, fee, invoiced_net, day),
        credit_reason=f"Subscription cancelled: fee invoiced beyond the effective end {day(end)}",
    )


# --- an order cancelled: what the school pays, and how the ledger gets there ------------------------


@dataclass(frozen=True)
class OrderToCancel:
    """What cancelling reads of an order."""

    id: int
    status: str
    ordered_on: date
    deliver_on: date | None
    price: Decimal
    quantity: int


@dataclass(frozen=True)
class OrderCharge:
    """The order's own charge on the ledger."""

    amount: Decimal
    status: str
    invoiced: bool
    description: str


@dataclass(frozen=True)
class OrderSettlement:
    """What to do to cancel an order (§4).

    ``charge`` is what the school pays for it (net). A due charge not yet invoiced is
    replaced: withdrawn, and ``charge`` raised in its place when more than nothing.
    An invoiced one is kept, and ``credit`` (net, possibly nothing) credited against it.
    """

    status: OrderStatus
    by: CancelledBy
    costs: Decimal | None
    charge: Decimal
    replace: bool
    keep: bool
    credit: Decimal
    description: str  # the replacement charge's line
    credit_reason: str


def delivery_started(notice_on: date, deliver_on: date | None, work_recorded: bool) -> bool:
    """Whether delivery was under way when notice came: work delivered (or deemed so), or the
    delivery date already past."""
    return work_recorded or (deliver_on is not None and notice_on > deliver_on)


def plan_order_cancellation(order: OrderToCancel, notice_on: date, by: CancelledBy, costs: Decimal | None,
                            delivered_units: int, work_recorded: bool,
                            charge: OrderCharge | None) -> OrderSettlement:
    """Cancel an order (§4): what the school pays, and whether to replace or credit its charge.

    By the school: less than twelve weeks before delivery, or part-way through it, the
    full price or the recorded costs capped at the price; otherwise nothing. By the
    service: the school pays only for the ``delivered_units`` of the order's quantity
    and is refunded the rest. ``work_recorded``: a session of the order was delivered
    or deemed delivered.
    """
    status = cancelled(order.status, OrderStatus.CANCELLED, f"order {order.id}",
                       f"order {order.id} was already cancelled")
    if notice_on < order.ordered_on:
        raise RuleViolation(f"notice on {notice_on.isoformat()} comes before order {order.id} was placed "
                            f"on {order.ordered_on.isoformat()}", code="notice_before_order")
    if costs is not None:
        costs = parse_money(costs, "costs incurred")
        if by == "service":
            raise InvalidInput("costs incurred are recorded only when the school cancels", code="costs_not_allowed")
    if isinstance(delivered_units, bool) or not 0 <= delivered_units <= order.quantity:
        raise InvalidInput(f"delivered units {delivered_units} must be from 0 to the {order.quantity} ordered")
    if by == "school" and delivered_units:
        raise InvalidInput("delivered units are given only when the service cancels")

    if by == "school":
        pays = order_cancellation_charge(order.price, notice_on, order.deliver_on,
                                         delivery_started(notice_on, order.deliver_on, work_recorded), costs, by)
    else:
        pays = order.price - undelivered_refund(order.price, order.quantity, delivered_units)
    replace = keep = False
    credit = ZERO
    if charge is not None and charge.status == ChargeStatus.DUE:
        keep = charge.invoiced
        replace = not keep
        if keep and pays < charge.amount:
            credit = charge.amount - pays
    reason = ("Order cancelled by the service: refund of the part not delivered" if by == "service"
              else "Order cancelled: charged at the costs actually incurred")
    return OrderSettlement(status, by, costs, pays, replace, keep, credit,
                           description=f"Cancelled: {charge.description}" if charge is not None else "",
                           credit_reason=reason)


def _require_decimal(value: object, what: str) -> None:
    # bool is an int subclass and float is inexact: neither may reach a money sum.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidInput(f"The {what} must be a Decimal or whole number, not {type(value).__name__}.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidInput(f"The {what} must be a finite number.")
