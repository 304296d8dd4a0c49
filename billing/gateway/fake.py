"""An in-memory payment gateway for business-logic tests and the demo: no network, no Stripe."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from billing.gateway.errors import CardDeclined, GatewayRequestRefused
from billing.gateway.port import (
    BankDetails,
    CardPayment,
    CustomerDetails,
    GatewayNotice,
    PayLink,
    RefundReceipt,
)


@dataclass
class _Payment:
    payment_id: str
    customer_id: str
    urn: str
    invoice_number: str
    amount_pence: int
    refunded_pence: int = 0


@dataclass
class FakeGateway:
    """Behaves like the port promises: creates are idempotent on their arguments, declines raise."""

    declining_methods: frozenset[str] = frozenset({"pm_card_chargeCustomerFail", "pm_card_visa_chargeDeclined"})
    customers: dict[str, CustomerDetails] = field(default_factory=dict)
    payments: dict[str, _Payment] = field(default_factory=dict)
    links: dict[str, PayLink] = field(default_factory=dict)
    refunds: dict[str, RefundReceipt] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    _keys: dict[str, str] = field(default_factory=dict)

    def _once(self, key: str, make: str) -> tuple[str, bool]:
        known = self._keys.get(key)
        if known is not None:
            return known, False
        self._keys[key] = make
        return make, True

    def create_customer(self, customer: CustomerDetails) -> str:
        self.calls.append(("create_customer", customer.urn))
        cid, new = self._once(f"customer:{customer.urn}", f"cus_fake{len(self.customers) + 1:04d}")
        if new:
            self.customers[cid] = customer
        return cid

    def create_pay_link(self, customer_id: str, urn: str, invoice_number: str, amount_pence: int) -> PayLink:
        self.calls.append(("create_pay_link", invoice_number))
        self._known(customer_id)
        ref, new = self._once(f"{invoice_number}:checkout:{amount_pence}", f"cs_fake{len(self.links) + 1:04d}")
        if new:
            self.links[ref] = PayLink(invoice_number, amount_pence, f"https://pay.example.test/{ref}", ref)
            pid = f"pi_fake_{ref}"
            self.payments[pid] = _Payment(pid, customer_id, urn, invoice_number, amount_pence)
        return self.links[ref]

    def charge_card(
        self, customer_id: str, urn: str, invoice_number: str, amount_pence: int, payment_method: str
    ) -> CardPayment:
        self.calls.append(("charge_card", invoice_number))
        self._known(customer_id)
        if payment_method in self.declining_methods:
            raise CardDeclined("Stripe declined the card while charging a card: Your card was declined.")
        pid, new = self._once(
            f"{invoice_number}:card:{amount_pence}:{payment_method}", f"pi_fake{len(self.payments) + 1:04d}"
        )
        if new:
            self.payments[pid] = _Payment(pid, customer_id, urn, invoice_number, amount_pence)
        return CardPayment(invoice_number, amount_pence, pid, "succeeded")

    def bank_transfer_details(self, customer_id: str, urn: str) -> BankDetails:
        self.calls.append(("bank_transfer_details", urn))
        self._known(customer_id)
        return BankDetails("Traded Services (Stripe)", "23-14-70", f"{int(customer_id[-4:]):08d}")

    def refund(self, payment_id: str, amount_pence: int, refund_key: str) -> RefundReceipt:
        self.calls.append(("refund", payment_id))
        payment = self.payments.get(payment_id)
        if payment is None:
            raise GatewayRequestRefused(f"Stripe rejected the request while refunding: no such payment {payment_id}.")
        rid, new = self._once(f"refund:{payment_id}:{refund_key}", f"re_fake{len(self.refunds) + 1:04d}")
        if new:
            if payment.refunded_pence + amount_pence > payment.amount_pence:
                raise GatewayRequestRefused(f"Stripe rejected the request while refunding: {payment_id} is over-refunded.")
            payment.refunded_pence += amount_pence
            self.refunds[rid] = RefundReceipt(rid, payment_id, amount_pence, "succeeded")
        return self.refunds[rid]

    def _known(self, customer_id: str) -> None:
        if customer_id not in self.customers:
            raise GatewayRequestRefused(f"Stripe rejected the request: no such customer {customer_id}.")

    # -- what the gateway would tell the webhook ---------------------------------
    def succeeded(self, payment_id: str, event_id: str, at: datetime, with_invoice: bool = True) -> GatewayNotice:
        """The notice a successful card payment produces."""
        p = self.payments[payment_id]
        return GatewayNotice(
            event_id=event_id, type="payment_intent.succeeded", kind="payment", occurred_at=at,
            amount_pence=p.amount_pence, method="card", external_key=p.payment_id, payment_intent=p.payment_id,
            from_balance=False, invoice_number=p.invoice_number if with_invoice else None, urn=p.urn,
            customer_id=p.customer_id,
        )

    def bank_transfer(self, customer_id: str, txn_id: str, pence: int, reference: str | None,
                      event_id: str, at: datetime) -> GatewayNotice:
        """The notice a BACS transfer into a school's virtual account (its cash balance) produces."""
        return GatewayNotice(
            event_id=event_id, type="customer_cash_balance_transaction.created", kind="funded",
            occurred_at=at, amount_pence=pence, method="bacs", external_key=txn_id,
            customer_id=customer_id, reference=reference,
        )

    def applied(self, txn_id: str, payment_id: str, pence: int, event_id: str, at: datetime) -> GatewayNotice:
        """The notice when the gateway spends ``pence`` of the school's cash balance on payment ``payment_id``."""
        p = self.payments[payment_id]
        return GatewayNotice(
            event_id=event_id, type="customer_cash_balance_transaction.created", kind="applied",
            occurred_at=at, amount_pence=pence, method="bacs", external_key=txn_id, payment_intent=payment_id,
            from_balance=True, customer_id=p.customer_id,
        )

    def paid_from_balance(self, payment_id: str, event_id: str, at: datetime,
                          type_: str = "payment_intent.succeeded") -> GatewayNotice:
        """The success notice of a payment the school made from its cash balance (a bank transfer), not by card."""
        p = self.payments[payment_id]
        return GatewayNotice(
            event_id=event_id, type=type_, kind="payment", occurred_at=at, amount_pence=p.amount_pence,
            method="bacs", external_key=p.payment_id, payment_intent=p.payment_id, from_balance=True,
            invoice_number=p.invoice_number, urn=p.urn, customer_id=p.customer_id,
        )

    def refunded(self, payment_id: str, event_id: str, at: datetime) -> GatewayNotice:
        """The notice after refunds on a payment (cumulative, as gateways report them)."""
        p = self.payments[payment_id]
        return GatewayNotice(
            event_id=event_id, type="charge.refunded", kind="refund", occurred_at=at,
            amount_pence=p.refunded_pence, external_key=p.payment_id, customer_id=p.customer_id, urn=p.urn,
        )
