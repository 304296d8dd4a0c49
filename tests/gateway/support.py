"""Schools, issued invoices and signed Stripe events for the gateway tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from billing.balances import invoice_outstanding
from billing.context import Context
from billing.models import GatewayCustomer, GatewayEvent, Invoice, Payment, Refund, School
from billing.schools import NewSchool, add_school
from pricing.money import money

SECRET = "whsec_test_0123456789abcdef"
URN = "100279"
OTHER_URN = "100280"


def add_schools(ctx: Context) -> None:
    add_school(ctx, NewSchool(urn=URN, name="Stoke Newington School", type="academy", email="bursar@snsc.test"))
    add_school(ctx, NewSchool(urn=OTHER_URN, name="Hackney Free School", type="free"))


def issue(ctx: Context, urn: str, seq: int, total: str, issued_on: date) -> Invoice:
    """An issued invoice written straight to the ledger (the bill run is tested elsewhere)."""
    school = ctx.session.scalar(select(School).where(School.urn == urn))
    assert school is not None
    amount = money(total)
    invoice = Invoice(kind="invoice", number=f"INV-{seq:06d}", series="INV", seq=seq, school_id=school.id,
                      issued_on=issued_on, tax_point=issued_on, due_on=issued_on + timedelta(days=30),
                      customer={"name": school.name, "urn": urn}, supplier={"name": "Council"},
                      net=amount, vat=money("0"), total=amount, created_at=ctx.now, actor="test")
    ctx.session.add(invoice)
    ctx.session.flush()
    return invoice


def link_customer(ctx: Context, urn: str, customer_id: str) -> None:
    school = ctx.session.scalar(select(School).where(School.urn == urn))
    assert school is not None
    ctx.session.add(GatewayCustomer(school_id=school.id, customer_id=customer_id, created_at=ctx.now))
    ctx.session.flush()


def outstanding(ctx: Context, number: str) -> str:
    invoice = ctx.session.scalar(select(Invoice).where(Invoice.number == number))
    assert invoice is not None
    return str(invoice_outstanding(ctx.session, [invoice.id])[invoice.id])


def ledger(ctx: Context) -> dict[str, Any]:
    """Payments, refunds and gateway events as plain tuples for exact assertions."""
    return {
        "payments": [(p.external_key, str(p.amount), p.received_on, p.method, p.source)
                     for p in ctx.session.scalars(select(Payment).order_by(Payment.id))],
        "refunds": [(r.external_key, str(r.amount), r.refunded_on)
                    for r in ctx.session.scalars(select(Refund).order_by(Refund.id))],
        "events": [(e.event_id, e.type, e.status)
                   for e in ctx.session.scalars(select(GatewayEvent).order_by(GatewayEvent.id))],
    }


def at(text: str) -> datetime:
    """``"2025-10-01 09:00"`` UTC as an aware instant."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def event(event_id: str, type_: str, obj: dict[str, Any], created: int | None = None) -> bytes:
    """A Stripe event body as Stripe sends it (field names from stripe's typed resources)."""
    return json.dumps({
        "id": event_id, "object": "event", "type": type_, "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "data": {"object": obj},
    }).encode()


def payment_intent(pi_id: str, pence: int, invoice: str | None = None, urn: str | None = URN,
                   customer: str | None = None, methods: tuple[str, ...] = ("card",),
                   charged_with: str | None = None) -> dict[str, Any]:
    """A succeeded PaymentIntent; ``charged_with`` expands its latest charge with that payment method type."""
    meta = {k: v for k, v in (("invoice_number", invoice), ("school_urn", urn)) if v}
    charge: str | dict[str, Any] = f"py_{pi_id}"
    if charged_with is not None:
        charge = {"id": f"py_{pi_id}", "object": "charge", "status": "succeeded", "amount": pence,
                  "payment_method_details": {"type": charged_with, charged_with: {}}}
    return {"id": pi_id, "object": "payment_intent", "amount": pence, "amount_received": pence,
            "currency": "gbp", "status": "succeeded", "customer": customer, "latest_charge": charge,
            "payment_method_types": list(methods), "metadata": meta}


def checkout_session(cs_id: str, pi_id: str | None, pence: int, invoice: str, customer: str | None,
                     methods: tuple[str, ...] = ("card",), urn: str | None = URN) -> dict[str, Any]:
    """A paid Checkout session as the engine creates it (its invoice in metadata and client reference)."""
    meta = {k: v for k, v in (("invoice_number", invoice), ("school_urn", urn)) if v}
    return {"id": cs_id, "object": "checkout.session", "mode": "payment", "status": "complete",
            "payment_status": "paid", "amount_total": pence, "currency": "gbp", "customer": customer,
            "client_reference_id": invoice, "payment_intent": pi_id, "payment_method_types": list(methods),
            "metadata": meta}


def funded(txn_id: str, pence: int, customer: str, reference: str | None = "FHA7PWQA3K6J") -> dict[str, Any]:
    """A bank transfer into the customer's cash balance (``reference`` is what the school's bank sent)."""
    return {"id": txn_id, "object": "customer_cash_balance_transaction", "type": "funded", "currency": "gbp",
            "customer": customer, "net_amount": pence, "ending_balance": pence,
            "funded": {"bank_transfer": {"type": "gb_bank_transfer", "reference": reference,
                                         "gb_bank_transfer": {"sender_name": "SCHOOL", "sort_code": "108800",
                                                              "account_number_last4": "1234"}}}}


def applied(txn_id: str, pi_id: str, pence: int, customer: str) -> dict[str, Any]:
    """Stripe spending ``pence`` of the customer's cash balance on PaymentIntent ``pi_id``."""
    return {"id": txn_id, "object": "customer_cash_balance_transaction", "type": "applied_to_payment",
            "currency": "gbp", "customer": customer, "net_amount": -pence, "ending_balance": 0,
            "applied_to_payment": {"payment_intent": pi_id}}


def sign(body: bytes, secret: str = SECRET, t: int | None = None) -> str:
    t = int(time.time()) if t is None else t
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def nested(depth: int) -> bytes:
    """JSON arrays nested ``depth`` deep: json.loads fails on this near 1,000."""
    return b"[" * depth + b"]" * depth


def hostile_events() -> list[tuple[str, bytes, str, str]]:
    """Signed but absurd deliveries: (label, body, the status they are kept with, words from the reason).

    Each is answered 200 and kept for a person, never refused: it came from Stripe, so
    refusing it would only make Stripe send it again, for days.
    """
    pi = payment_intent("pi_h", 424242, "INV-000001")
    ok = event("evt_h_ok", "payment_intent.succeeded", pi)
    return [
        ("amount-10^25-pence", event("evt_h_huge", "payment_intent.succeeded",
                                     payment_intent("pi_huge", 10**25, "INV-000001")),
         "unallocated", "more than the largest amount the ledger holds"),
        ("amount-infinite", ok.replace(b"424242", b"1e400").replace(b"evt_h_ok", b"evt_h_inf"),
         "parked", "the body is not JSON (the number 1e400 is out of range)"),
        ("amount-nan", ok.replace(b"424242", b"NaN").replace(b"evt_h_ok", b"evt_h_nan"),
         "parked", "the body is not JSON (NaN is not a JSON number)"),
        ("amount-5000-digits", ok.replace(b"424242", b"9" * 5000).replace(b"evt_h_ok", b"evt_h_digits"),
         "parked", "the body is not JSON"),
        ("amount-negative", event("evt_h_neg", "payment_intent.succeeded",
                                  payment_intent("pi_neg", -500, "INV-000001")),
         "unallocated", "carries no amount"),
        ("nested-100k", nested(100_000), "parked", "nested more than 64 levels deep"),
        ("nested-field", ok[:-1].replace(b"evt_h_ok", b"evt_h_deep") + b', "extra": ' + nested(100_000) + b"}",
         "parked", "nested more than 64 levels deep"),
        ("created-in-year-3-billion", event("evt_h_when", "payment_intent.succeeded", pi, created=10**20),
         "parked", "created time is missing or out of range"),
        ("id-200-characters", event("evt_" + "a" * 200, "payment_intent.succeeded", pi),
         "parked", "id is missing or not a Stripe id"),
        ("type-with-newline", event("evt_h_type", "payment_intent.succeeded\n", pi),
         "parked", "type is missing or not a Stripe event type"),
        ("nul-in-metadata", event("evt_h_nul", "payment_intent.succeeded",
                                  payment_intent("pi_nul", 100, "INV-0000\u00001")),
         "parked", "NUL character"),
        ("lone-surrogate-in-metadata", event("evt_h_sur", "payment_intent.succeeded",
                                            payment_intent("pi_sur", 100, "INV-\ud800")),
         "parked", "not Unicode (a lone surrogate)"),
        ("currency-10k-characters", event("evt_h_cur", "payment_intent.succeeded",
                                          {**pi, "id": "pi_cur", "currency": "x" * 10_000}),
         "unallocated", "a payment in XXXXXXXXXX"),
        ("unknown-school", event("evt_h_school", "payment_intent.succeeded",
                                 payment_intent("pi_school", 5000, None, urn="100999")),
         "unallocated", "no school with URN 100999"),
        ("not-an-event", b'{"hello": "world"}', "parked", "not a Stripe event"),
        ("empty-body", b"", "parked", "the body is not JSON"),
        ("array-body", b"[1, 2, 3]", "parked", "not a Stripe event"),
    ]
