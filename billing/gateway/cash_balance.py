"""A school's Stripe cash balance: each pound it receives is recorded once, whatever order Stripe reports it in.

A bank transfer into the school's virtual account *funds* its cash balance
(cash-balance transaction ``funded``). Stripe may then *spend* that balance on a
payment: a cash-balance transaction ``applied_to_payment``, and the
PaymentIntent's and Checkout session's own success events for a payment made
with ``customer_balance``. Those are several reports of one movement of money,
delivered in any order and any number of times.

The money is the bank transfer, so the funding records it, keyed on its
transaction id. A spend records money only when no funding has yet accounted
for it (Stripe never spends more than was funded, so an unseen funding is on
its way); the funding, when it comes, adds only the difference. Per Stripe
customer, always::

    recorded through the cash balance = max(funded so far, spent so far)

Once every event has arrived this is exactly what the school transferred: a
funding that is never spent is still recorded, a spend whose funding never
arrives is recorded once, and no pound is counted twice.

Each movement is noted once, as a row of ``gateway_events`` with type
``traded.cash_balance`` and event id ``cash-balance:<kind>:<id>`` (the unique
event id makes noting it idempotent); its payload holds the customer, the
PaymentIntent it spent, and the pence. The money itself is in ``payments``,
keyed on the movement that recorded it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, select

from billing.context import Context
from billing.models import GatewayEvent, Payment
from pricing.money import ZERO, format_money, from_pence

MARKER_TYPE = "traded.cash_balance"
MARKER_STATUS = "noted"
LEGACY_FUNDING_PREFIX = "ccsbtxn_"  # fundings recorded before movements were noted: the payment is the whole transfer

MovementKind = Literal["funded", "applied", "spent"]


@dataclass(frozen=True)
class Movement:
    """One report of money moving into or out of a customer's cash balance.

    ``key`` is the money's own id: the cash-balance transaction for ``funded``
    and ``applied``, the PaymentIntent for ``spent`` (its success event, or its
    Checkout session's). ``payment_intent`` is the payment the balance paid.
    """

    kind: MovementKind
    key: str
    customer_id: str
    amount_pence: int
    payment_intent: str | None = None


@dataclass(frozen=True)
class Position:
    """A customer's cash balance as the ledger knows it."""

    funded: Decimal
    spent: Decimal
    recorded: Decimal

    @property
    def unrecorded(self) -> Decimal:
        """Money known to have arrived that no payment holds yet (negative: held twice)."""
        return max(self.funded, self.spent) - self.recorded


def marker_id(kind: MovementKind, key: str) -> str:
    ident = f"cash-balance:{kind}:{key}"
    if len(ident) <= 80:  # gateway_events.event_id
        return ident
    return f"cash-balance:{kind}:sha256:{hashlib.sha256(key.encode()).hexdigest()[:48]}"


def spent_from_balance(ctx: Context, payment_intent: str) -> bool:
    """True once any event has shown that ``payment_intent`` was paid out of a cash balance."""
    return ctx.session.scalar(
        select(GatewayEvent.id).where(GatewayEvent.type == MARKER_TYPE,
                                      GatewayEvent.payload["payment_intent"].as_string() == payment_intent).limit(1)
    ) is not None


def note(ctx: Context, movement: Movement, event_id: str) -> bool:
    """Note ``movement`` once; False when an earlier event already reported this same money."""
    ident = marker_id(movement.kind, movement.key)
    if ctx.session.scalar(select(GatewayEvent.id).where(GatewayEvent.event_id == ident)) is not None:
        return False
    amount = format_money(from_pence(movement.amount_pence))
    what = {"funded": f"£{amount} paid into the school's Stripe balance",
            "applied": f"£{amount} of the school's Stripe balance applied to {movement.payment_intent}",
            "spent": f"{movement.payment_intent} paid £{amount} from the school's Stripe balance"}[movement.kind]
    ctx.session.add(GatewayEvent(
        event_id=ident, type=MARKER_TYPE, status=MARKER_STATUS,
        payload={"customer": movement.customer_id, "kind": movement.kind, "key": movement.key,
                 "payment_intent": movement.payment_intent, "amount_pence": movement.amount_pence,
                 "event": event_id},
        note=f"{what} (event {event_id})", received_at=ctx.now,
    ))
    ctx.session.flush()
    return True


def position(ctx: Context, customer_id: str, school_id: int) -> Position:
    """What the customer has funded, what Stripe has spent of it, and what payments already record."""
    funded = 0
    spent: dict[str, int] = defaultdict(int)  # per PaymentIntent: its success event's amount
    applied: dict[str, int] = defaultdict(int)  # per PaymentIntent: the balance transactions applied to it
    keys: set[str] = set()
    for payload in ctx.session.scalars(
        select(GatewayEvent.payload).where(GatewayEvent.type == MARKER_TYPE,
                                           GatewayEvent.payload["customer"].as_string() == customer_id)
    ):
        kind, key, pence, intent = payload["kind"], payload["key"], payload["amount_pence"], payload["payment_intent"]
        assert isinstance(key, str) and isinstance(pence, int)
        keys.add(key)
        if kind == "funded":
            funded += pence
            continue
        assert isinstance(intent, str)
        keys.add(intent)  # a payment keyed on the PaymentIntent itself (a card payment, once) is this same money
        if kind == "applied":
            applied[intent] += pence  # a payment may be funded in parts
        else:
            spent[intent] = max(spent[intent], pence)
    spent_pence = sum(max(spent.get(pi, 0), applied.get(pi, 0)) for pi in {*spent, *applied})
    total_funded = from_pence(funded)
    for key, amount in ctx.session.execute(
        select(Payment.external_key, Payment.amount).where(
            Payment.school_id == school_id, Payment.source == "stripe",
            Payment.external_key.startswith(LEGACY_FUNDING_PREFIX, autoescape=True))
    ):
        if key is not None and key not in keys:
            keys.add(key)
            total_funded += amount
    recorded = ctx.session.scalar(select(func.sum(Payment.amount)).where(Payment.external_key.in_(sorted(keys))))
    return Position(funded=total_funded, spent=from_pence(spent_pence), recorded=recorded or ZERO)
