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
                   customer: str | None = None) -> dict[str, Any]:
    meta = {k: v for k, v in (("invoice_number", invoice), ("school_urn", urn)) if v}
    return {"id": pi_id, "object": "payment_intent", "amount": pence, "amount_received": pence,
            "currency": "gbp", "status": "succeeded", "customer": customer,
            "payment_method_types": ["card"], "metadata": meta}


def sign(body: bytes, secret: str = SECRET, t: int | None = None) -> str:
    t = int(time.time()) if t is None else t
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"
