"""Asking the gateway for money: a school's customer record, pay links, card charges, bank details.

These take the gateway as an argument (the port), so billing rules are tested
against the in-memory fake and run against Stripe unchanged. The engine never
counts money here: a payment enters the ledger only when the gateway's signed
event arrives (billing.gateway.webhooks).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from billing.balances import invoice_outstanding
from billing.context import Context
from billing.gateway.port import BankDetails, CardPayment, CustomerDetails, PayLink, PaymentGateway
from billing.models import GatewayCustomer, Invoice, School
from billing.schools import get_school
from pricing.errors import NotFound, RuleViolation
from pricing.money import ZERO, pence


@dataclass(frozen=True)
class Payable:
    invoice: Invoice
    school: School
    amount_pence: int


def customer_id_for(ctx: Context, gateway: PaymentGateway, school: School) -> str:
    """The school's gateway customer id, created on first use and stored (one per school)."""
    known = ctx.session.scalar(select(GatewayCustomer).where(GatewayCustomer.school_id == school.id))
    if known is not None:
        return known.customer_id
    customer_id = gateway.create_customer(CustomerDetails(school.urn, school.name, school.email))
    ctx.session.add(GatewayCustomer(school_id=school.id, customer_id=customer_id, created_at=ctx.now))
    ctx.audit("gateway.customer", "school", school.urn, {"customer_id": customer_id})
    ctx.session.flush()
    return customer_id


def payable_invoice(ctx: Context, number: str) -> Payable:
    """An issued invoice with money outstanding, and exactly how much (§7, §8)."""
    number = number.strip().upper()
    invoice = ctx.session.scalar(select(Invoice).where(Invoice.number == number))
    if invoice is None or invoice.kind != "invoice":
        raise NotFound(f'No invoice numbered "{number}".', code="unknown_invoice")
    left = invoice_outstanding(ctx.session, [invoice.id]).get(invoice.id, ZERO)
    if left <= ZERO:
        raise RuleViolation(f'Invoice "{invoice.number}" has nothing outstanding.', code="invoice_paid")
    return Payable(invoice, invoice.school, pence(left))


def pay_link(ctx: Context, gateway: PaymentGateway, number: str) -> PayLink:
    """A card-payment page for exactly what is outstanding on invoice ``number``."""
    due = payable_invoice(ctx, number)
    customer_id = customer_id_for(ctx, gateway, due.school)
    return gateway.create_pay_link(customer_id, due.school.urn, due.invoice.number, due.amount_pence)


def charge_saved_card(ctx: Context, gateway: PaymentGateway, number: str, payment_method: str) -> CardPayment:
    """Charge the school's saved card for what is outstanding on invoice ``number``."""
    due = payable_invoice(ctx, number)
    customer_id = customer_id_for(ctx, gateway, due.school)
    return gateway.charge_card(customer_id, due.school.urn, due.invoice.number, due.amount_pence, payment_method)


def bank_details(ctx: Context, gateway: PaymentGateway, urn: str) -> BankDetails:
    """The sort code and account number school ``urn`` pays into by BACS (its own virtual account)."""
    school = get_school(ctx, urn)
    return gateway.bank_transfer_details(customer_id_for(ctx, gateway, school), school.urn)


def pay_link_if_configured(ctx: Context, number: str) -> str | None:
    """The card-payment link to print on invoice ``number``, when the entrypoint set up a pay page.

    Printing asks the gateway nothing and writes nothing: the link is the served
    pay page's (billing.gateway.pay_page), which makes the Checkout session for
    what is owed when the school clicks. Without a pay page (Stripe not set up)
    nothing is printed: the BACS and cheque instructions always stand on their own.
    """
    return ctx.pay_page.url(number) if ctx.pay_page is not None else None
