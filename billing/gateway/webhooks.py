"""Gateway events in, ledger entries out: verified once, recorded once, never lost.

Deliveries are checked and read in billing.gateway.inbox (signature on the raw
body, size and nesting bounds). :func:`notice_from_event` reduces a Stripe event
to a :class:`GatewayNotice`; :func:`apply_notice` turns that into a payment or a
refund inside the caller's one transaction and records the event id, so a
replay writes nothing. Money that cannot be placed (an unknown invoice, an
unknown school, a refund with no credit to pay it from, an amount beyond the
ledger) is kept as an *unallocated* event; an event the engine cannot read or
apply (a field in an unexpected form, a fault in the engine) is *parked* with
its reason. Both wait for a person and are applied again by
``traded stripe retry`` once the cause is fixed; neither is ever dropped.

A bank transfer into a school's Stripe cash balance and the payments Stripe
makes from that balance are one movement of money, recorded once whatever
order their events arrive in (billing.gateway.cash_balance).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from billing import payments  # called through the module: a test stands in for the payments service there
from billing.context import Context
from billing.gateway import cash_balance, payloads
from billing.gateway.errors import is_transient
from billing.gateway.port import CURRENCY, META_INVOICE, META_URN, GatewayNotice
from billing.models import GatewayCustomer, GatewayEvent, Invoice, Payment, Refund, School
from pricing.clock import utc_to_london
from pricing.errors import TradedError
from pricing.money import ZERO, from_pence

PROCESSED, IGNORED, UNALLOCATED, DUPLICATE = "processed", "ignored", "unallocated", "duplicate"
REVIEW = "review"  # recorded, but the ledger may now hold the same money twice: a person must check
PARKED = "parked"  # verified, but the engine could not read or apply it: kept with its reason until retried
RETRYABLE = (PARKED, UNALLOCATED)  # kept for a person; `traded stripe retry` applies them again

log = logging.getLogger("traded.gateway")


@dataclass(frozen=True)
class EventOutcome:
    event_id: str
    status: str  # processed, ignored, unallocated, parked, duplicate, review
    note: str | None = None
    payment_id: int | None = None
    refund_id: int | None = None


def notice_from_event(event: payloads.Event | dict[str, Any]) -> GatewayNotice:
    """Reduce a verified Stripe event to what the ledger needs; anything else is ``ignored``.

    ``event`` is read by billing.gateway.inbox.parse_event; a verified body given as
    a dict is read through the same envelope here (ValidationError when it is not one).
    """
    if isinstance(event, dict):
        event = payloads.Event.read(event)
    kind = event.type
    obj = event.data.object
    shared = payloads.Shared.model_validate(obj)
    base: dict[str, Any] = {
        "event_id": event.id, "type": kind, "occurred_at": event.occurred_at, "payload": event.body,
        "currency": shared.currency, "customer_id": shared.customer, "urn": shared.metadata.get(META_URN),
        "invoice_number": shared.metadata.get(META_INVOICE),
    }
    try:
        if kind == "payment_intent.succeeded":
            intent = payloads.PaymentIntent.model_validate(obj)
            from_balance = payloads.paid_from_balance(intent.payment_method_types, intent.charge_method_types())
            received = intent.amount_received if intent.amount_received is not None else intent.amount
            return GatewayNotice(**base, kind="payment", method="bacs" if from_balance else "card",
                                 external_key=intent.id, payment_intent=intent.id, from_balance=from_balance,
                                 amount_pence=received or 0)
        if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            session = payloads.CheckoutSession.model_validate(obj)
            if session.payment_status != "paid":
                return GatewayNotice(**{**base, "kind": "ignored"})
            # Keyed on the payment intent, so its own payment_intent.succeeded is the same payment.
            base["invoice_number"] = base["invoice_number"] or session.client_reference_id
            from_balance = payloads.paid_from_balance(session.method_types())
            return GatewayNotice(**base, kind="payment", method="bacs" if from_balance else "card",
                                 external_key=session.payment_intent or session.id,
                                 payment_intent=session.payment_intent, from_balance=from_balance,
                                 amount_pence=session.amount_total or 0)
        if kind == "customer_cash_balance_transaction.created":
            txn = payloads.CashBalanceTransaction.model_validate(obj)
            if txn.type == "funded":
                transfer = txn.funded.bank_transfer if txn.funded else None
                return GatewayNotice(**base, kind="funded", method="bacs", external_key=txn.id,
                                     amount_pence=txn.net_amount or 0,
                                     reference=transfer.reference if transfer else None)
            if txn.type == "applied_to_payment":  # net_amount is negative: money leaving the balance
                paid = txn.applied_to_payment.payment_intent if txn.applied_to_payment else None
                return GatewayNotice(**base, kind="applied", method="bacs", external_key=txn.id,
                                     payment_intent=paid, from_balance=True, amount_pence=-(txn.net_amount or 0))
            return GatewayNotice(**{**base, "kind": "ignored"})
    except payloads.ValidationError as exc:
        return GatewayNotice(**base, kind="payment", problem=payloads.problem(exc))
    if kind == "charge.refunded":
        charge = payloads.RefundedCharge.model_validate(obj)
        return GatewayNotice(**base, kind="refund", external_key=charge.payment_key,
                             amount_pence=charge.amount_refunded or 0)
    return GatewayNotice(**{**base, "kind": "ignored"})


def received_on(notice: GatewayNotice) -> date:
    """The business date of a gateway event: its own timestamp, in Europe/London."""
    return utc_to_london(notice.occurred_at).date()


def apply_notice(ctx: Context, notice: GatewayNotice) -> EventOutcome:
    """Record ``notice`` once: a payment, a refund, ignored, unallocated or parked for a person.

    Runs inside the caller's transaction. A business refusal (unknown invoice,
    no credit to refund, an amount beyond the ledger) keeps the event as
    unallocated; a field the engine cannot read, or any other failure that says
    something about the event, parks it with its reason. Only a transient
    failure (the database busy or out of reach: :func:`is_transient`) propagates,
    so the whole delivery is rolled back and the gateway sends it again.
    """
    if ctx.session.scalar(select(GatewayEvent.id).where(GatewayEvent.event_id == notice.event_id)):
        return EventOutcome(notice.event_id, DUPLICATE, "event already recorded")
    outcome = outcome_of(ctx, notice)
    ctx.session.add(GatewayEvent(
        event_id=notice.event_id, type=notice.type, status=outcome.status,
        payload=notice.payload, note=outcome.note, received_at=ctx.now,
    ))
    if outcome.status in (UNALLOCATED, REVIEW, PARKED):
        audit_event(ctx, f"gateway.{outcome.status}", notice.event_id,
                    {"type": notice.type, "amount": from_pence(notice.amount_pence),
                     "key": notice.external_key}, reason=outcome.note)
    ctx.session.flush()
    return outcome


AUDIT_ID_LENGTH = 40  # audit_log.entity_id


def audit_event(ctx: Context, action: str, event_id: str, detail: dict[str, object], reason: str | None) -> None:
    """Audit a change to gateway event ``event_id`` (an id longer than the audit column goes whole in the detail)."""
    if len(event_id) > AUDIT_ID_LENGTH:
        detail = {**detail, "event": event_id}
    ctx.audit(action, "gateway_event", event_id[:AUDIT_ID_LENGTH], detail, reason=reason)


def outcome_of(ctx: Context, notice: GatewayNotice) -> EventOutcome:
    """What ``notice`` does to the ledger, written inside the caller's transaction (its event row aside)."""
    if notice.problem:
        return parked_outcome(notice.event_id, notice.problem)
    if notice.kind == "ignored":
        return EventOutcome(notice.event_id, IGNORED, None)
    if notice.kind == "refund":
        return _attempt(ctx, notice, _record_refund)
    return _attempt(ctx, notice, _record_money)


class _Unplaceable(TradedError):
    code = "gateway_unplaceable"


def _attempt(ctx: Context, notice: GatewayNotice,
             record: Callable[[Context, GatewayNotice], EventOutcome]) -> EventOutcome:
    """``record`` in a savepoint: a refusal or a failure half-way leaves no trace but the event's row."""
    for attempt in (1, 2):
        try:
            with ctx.session.begin_nested():
                return record(ctx, notice)
        except TradedError as exc:
            return EventOutcome(notice.event_id, UNALLOCATED, one_line(exc.message))
        except IntegrityError as exc:
            if attempt == 1:
                # Another delivery for the same money committed first (two events of one payment at
                # once on PostgreSQL): looking again finds it recorded.
                continue
            return parked_outcome(notice.event_id, failure_reason(exc), unexpected=exc)
        except Exception as exc:
            if is_transient(exc):
                raise
            expected = isinstance(exc, RecursionError | payloads.ValidationError)
            return parked_outcome(notice.event_id, failure_reason(exc), unexpected=None if expected else exc)
    raise AssertionError("unreachable")  # pragma: no cover


def failure_reason(exc: BaseException) -> str:
    """One line for the team saying why an event could not be applied (the traceback goes to the log)."""
    if isinstance(exc, RecursionError):
        return "the event is nested too deeply to read"
    if isinstance(exc, payloads.ValidationError):
        return payloads.problem(exc)
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [""])[0]
    return f"the engine could not apply it ({type(orig).__name__}{': ' + first if first else ''})"


def parked_outcome(event_id: str, reason: str, unexpected: BaseException | None = None) -> EventOutcome:
    """Park ``event_id`` with ``reason``: one log line, and the traceback too when the engine itself failed."""
    reason = one_line(reason)
    if unexpected is not None:  # a fault in the engine, not the event: keep its traceback for whoever fixes it
        log.error("Stripe event %s parked: %s", event_id, reason, exc_info=unexpected)
    else:
        log.warning("Stripe event %s parked: %s", event_id, reason)
    return EventOutcome(event_id, PARKED, reason)


def one_line(text: str, limit: int = 500) -> str:
    """``text`` as one bounded line with no control characters, safe to store and print."""
    flat = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
                   for ch in " ".join(text.split()))
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def _school_urn(ctx: Context, notice: GatewayNotice) -> str | None:
    if notice.urn:
        return notice.urn
    if notice.customer_id:
        urn = ctx.session.scalar(
            select(School.urn).join(GatewayCustomer, GatewayCustomer.school_id == School.id)
            .where(GatewayCustomer.customer_id == notice.customer_id)
        )
        if urn:
            return urn
    if notice.invoice_number:
        return ctx.session.scalar(
            select(School.urn).join(Invoice, Invoice.school_id == School.id)
            .where(Invoice.number == notice.invoice_number)
        )
    return None


def _record_payment(ctx: Context, notice: GatewayNotice) -> EventOutcome:

    if notice.currency != CURRENCY:
        raise _Unplaceable(f"a payment in {notice.currency.upper()} cannot be taken into a sterling ledger")
    if notice.amount_pence <= 0 or not notice.external_key:
        raise _Unplaceable("the event carries no amount or payment id")
    urn = _school_urn(ctx, notice)
    if urn is None:
        raise _Unplaceable("the event names no school the engine knows")
    invoices: tuple[str, ...] = ()
    if notice.invoice_number:
        invoices = (notice.invoice_number,)
    elif notice.reference:
        invoices = _quoted_invoice(ctx, urn, notice.reference)
    result = payments.record_payment(
        ctx, urn, from_pence(notice.amount_pence), received_on(notice),
        method=notice.method, invoice_numbers=invoices, reference=notice.reference or notice.invoice_number,
        source="stripe", external_key=notice.external_key,
    )
    note = "payment already recorded by an earlier event" if result.already_recorded else None
    return EventOutcome(notice.event_id, PROCESSED, note, payment_id=result.id)


def _quoted_invoice(ctx: Context, urn: str, reference: str) -> tuple[str, ...]:
    """A bank transfer quoting one of the school's invoice numbers pays that invoice."""
    ref = reference.strip().upper()
    if ctx.session.scalar(select(Invoice.id).join(School, School.id == Invoice.school_id)
                          .where(Invoice.number == ref, Invoice.kind == "invoice", School.urn == urn)):
        return (ref,)
    return ()


def _payment_exists(ctx: Context, key: str) -> bool:
    return ctx.session.scalar(select(Payment.id).where(Payment.external_key == key)) is not None


def _lock_school(ctx: Context, notice: GatewayNotice) -> School | None:
    """The school the event is for, its row locked: one school's gateway events take turns.

    On PostgreSQL a delivery deciding whether its payment was already counted must
    see every earlier delivery for the school committed; SQLite's writer lock already
    serialises them.
    """
    urn = _school_urn(ctx, notice)
    school = ctx.session.scalar(select(School).where(School.urn == urn)) if urn else None
    if school is not None:
        ctx.session.execute(select(School.id).where(School.id == school.id).with_for_update())
    return school


def _record_money(ctx: Context, notice: GatewayNotice) -> EventOutcome:
    """Money in: through the school's cash balance (once per movement), or a card payment."""
    school = _lock_school(ctx, notice)  # before deciding how it was paid
    if notice.kind in ("funded", "applied"):
        return _record_balance(ctx, notice, school)
    intent = notice.payment_intent
    if notice.from_balance or (intent and cash_balance.spent_from_balance(ctx, intent)):
        return _record_balance(ctx, replace(notice, from_balance=True, method="bacs"), school)
    if notice.from_balance is None and intent and notice.type.startswith("checkout.session."):
        # The session offered the cash balance among other methods and does not say which paid;
        # its PaymentIntent's own event does (or its cash-balance transaction), so that one records it.
        if _payment_exists(ctx, intent):
            return EventOutcome(notice.event_id, PROCESSED, "payment already recorded by an earlier event")
        return EventOutcome(notice.event_id, PROCESSED,
                            f"the session does not say how it was paid; {intent}'s own event records it")
    return _record_payment(ctx, notice)


def _record_balance(ctx: Context, notice: GatewayNotice, school: School | None) -> EventOutcome:
    """A funding of the school's cash balance, or a payment from it: recorded once (billing.gateway.cash_balance).

    ``school`` is the notice's school, its row already locked by :func:`_record_money`.
    """

    kind: cash_balance.MovementKind = "spent"
    if notice.kind == "funded" or notice.kind == "applied":
        kind = notice.kind
    key = notice.payment_intent if kind == "spent" else notice.external_key
    if notice.currency != CURRENCY:
        raise _Unplaceable(f"a payment in {notice.currency.upper()} cannot be taken into a sterling ledger")
    if notice.amount_pence <= 0 or not key or (kind != "funded" and not notice.payment_intent):
        raise _Unplaceable("the event carries no amount or payment id")
    if not notice.customer_id:
        raise _Unplaceable("the event names no Stripe customer whose balance it moves")
    if school is None:
        raise _Unplaceable("the event names no school the engine knows")
    urn = school.urn
    intent = notice.payment_intent
    taken_as_card = bool(intent and not cash_balance.spent_from_balance(ctx, intent) and _payment_exists(ctx, intent))
    movement = cash_balance.Movement(kind, key, notice.customer_id, notice.amount_pence,
                                     intent if kind != "funded" else None)
    if not cash_balance.note(ctx, movement, notice.event_id):
        return EventOutcome(notice.event_id, PROCESSED, "the same money was already counted from an earlier event")
    owed = cash_balance.position(ctx, notice.customer_id, school.id).unrecorded
    if owed > 0:
        invoices = _quoted_invoice(ctx, urn, notice.reference) if kind == "funded" and notice.reference else ()
        result = payments.record_payment(
            ctx, urn, owed, received_on(notice), method="bacs", invoice_numbers=invoices,
            reference=notice.reference or notice.invoice_number, source="stripe", external_key=key,
        )
        covered = from_pence(notice.amount_pence) - owed
        note = (f"£{covered} of it was already recorded from the school's Stripe balance" if covered > 0
                else None)
        return EventOutcome(notice.event_id, PROCESSED, note, payment_id=result.id)
    if owed < 0 and taken_as_card:
        return EventOutcome(notice.event_id, REVIEW, (
            f"{intent} was recorded as a card payment before Stripe showed it was paid from the school's "
            f"bank-transfer balance, so £{-owed} is now held twice: check and correct it by hand"))
    return EventOutcome(notice.event_id, PROCESSED, "the money was already recorded from the school's Stripe balance")


def _record_refund(ctx: Context, notice: GatewayNotice) -> EventOutcome:

    if notice.currency != CURRENCY or not notice.external_key:
        raise _Unplaceable("the refund event carries no sterling payment id")
    payment = ctx.session.scalar(select(Payment).where(Payment.external_key == notice.external_key))
    if payment is None:
        raise _Unplaceable(f"the refunded payment {notice.external_key} is not in the ledger")
    prefix = f"{notice.external_key}:refunded:"
    already = ctx.session.scalar(
        select(func.sum(Refund.amount))
        .where(Refund.external_key.startswith(prefix, autoescape=True))
    )
    delta = from_pence(notice.amount_pence) - (already or ZERO)
    if delta <= 0:
        return EventOutcome(notice.event_id, PROCESSED, "refund already recorded")
    school = ctx.session.get(School, payment.school_id)
    assert school is not None
    result = payments.refund_credit(ctx, school.urn, delta, received_on(notice),
                           reason=f"Refunded by Stripe on payment {notice.external_key}",
                           external_key=f"{prefix}{notice.amount_pence}")
    return EventOutcome(notice.event_id, PROCESSED, None, refund_id=result.id)
