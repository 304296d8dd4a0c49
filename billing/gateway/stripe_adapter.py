"""The Stripe side of the gateway port: thin, typed, and the only module that calls Stripe's API.

Every create carries a deterministic idempotency key built from our own
identifiers, so a retry (ours or the library's) can never charge twice.
Requests are literal ``params`` dicts so mypy checks them against the pinned
library's TypedDicts — the only offline check of request shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import stripe

from billing.gateway.errors import GatewayNotConfigured, GatewayRequestRefused, stripe_errors
from billing.gateway.port import (
    CURRENCY,
    META_INVOICE,
    META_URN,
    BankDetails,
    CardPayment,
    CustomerDetails,
    PayLink,
    RefundReceipt,
)
from billing.settings import DEFAULT_PORTAL_URL, load_settings
from billing.settings_model import STRIPE_LIVE_PREFIXES, Settings

MAX_NETWORK_RETRIES = 2
DEFAULT_RETURN_URL = f"{DEFAULT_PORTAL_URL}/paid"
LIVE_PREFIXES = STRIPE_LIVE_PREFIXES


@dataclass(frozen=True)
class StripeSettings:
    api_key: str
    webhook_secret: str | None = None
    api_base: str | None = None
    return_url: str = DEFAULT_RETURN_URL
    max_network_retries: int = MAX_NETWORK_RETRIES

    @property
    def live(self) -> bool:
        return self.api_key.startswith(LIVE_PREFIXES)


def stripe_settings(settings: Settings) -> StripeSettings:
    """The Stripe part of the installation's settings, refused unless its key can be used.

    A live key is refused unless TRADED_ALLOW_LIVE_STRIPE=1: a test run must never move real money.
    """
    problem = settings.stripe_key_problem()
    if problem is not None or settings.stripe_api_key is None:
        raise GatewayNotConfigured(problem or "Stripe is not configured.")
    secret = settings.stripe_webhook_secret
    return StripeSettings(
        api_key=settings.stripe_api_key.get_secret_value(),
        webhook_secret=secret.get_secret_value() if secret is not None else None,
        api_base=settings.stripe_api_base,
        return_url=settings.return_url,
    )


def settings_from_env(environ: Mapping[str, str]) -> StripeSettings:
    """:func:`stripe_settings` from a mapping of STRIPE_* and TRADED_* variables (not the process environment)."""
    return stripe_settings(load_settings(environ))


def make_client(settings: StripeSettings, http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    """A StripeClient with telemetry off and explicit retries (the library's default is none)."""
    stripe.enable_telemetry = False  # also stops the library writing ~/.config/stripe/telemetry_id
    if settings.api_base:
        base = settings.api_base.rstrip("/")
        return stripe.StripeClient(
            settings.api_key,
            base_addresses={"api": base, "files": base},
            max_network_retries=settings.max_network_retries,
            http_client=http_client,
        )
    return stripe.StripeClient(
        settings.api_key, max_network_retries=settings.max_network_retries, http_client=http_client
    )


def idempotency_key(*parts: object) -> str:
    """``traded:<part>:<part>…`` — the same request always carries the same key."""
    return ":".join(["traded", *(str(p) for p in parts)])


class StripeGateway:
    """:class:`billing.gateway.port.PaymentGateway` backed by Stripe."""

    def __init__(self, client: stripe.StripeClient, settings: StripeSettings) -> None:
        self._client = client
        self._settings = settings

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeGateway:
        checked = stripe_settings(settings)
        return cls(make_client(checked), checked)

    def create_customer(self, customer: CustomerDetails) -> str:
        with stripe_errors(f"creating the customer for school {customer.urn}"):
            if customer.email:
                created = self._client.v1.customers.create(
                    params={"name": customer.name, "email": customer.email, "preferred_locales": ["en-GB"],
                            "metadata": {META_URN: customer.urn}},
                    options={"idempotency_key": idempotency_key("customer", customer.urn)},
                )
            else:
                created = self._client.v1.customers.create(
                    params={"name": customer.name, "preferred_locales": ["en-GB"],
                            "metadata": {META_URN: customer.urn}},
                    options={"idempotency_key": idempotency_key("customer", customer.urn)},
                )
        return created.id

    def create_pay_link(self, customer_id: str, urn: str, invoice_number: str, amount_pence: int) -> PayLink:
        _check_pence(amount_pence)
        meta = {META_INVOICE: invoice_number, META_URN: urn}
        with stripe_errors(f"creating a card payment page for invoice {invoice_number}"):
            session = self._client.v1.checkout.sessions.create(
                params={
                    "mode": "payment",
                    # Card only, whatever the Dashboard enables: a bank transfer goes to the school's own
                    # account (bank_transfer_details) and is counted once, from its cash-balance funding.
                    "allowed_payment_method_types": ["card"],
                    "customer": customer_id,
                    "client_reference_id": invoice_number,
                    "currency": CURRENCY,
                    "line_items": [{
                        "quantity": 1,
                        "price_data": {"currency": CURRENCY, "unit_amount": amount_pence,
                                       "product_data": {"name": f"Invoice {invoice_number}"}},
                    }],
                    "metadata": meta,
                    "payment_intent_data": {"metadata": meta, "description": f"Invoice {invoice_number}"},
                    "success_url": f"{self._settings.return_url}?invoice={invoice_number}",
                    "cancel_url": f"{self._settings.return_url}?invoice={invoice_number}&cancelled=1",
                },
                options={"idempotency_key": idempotency_key(invoice_number, "checkout", amount_pence)},
            )
        if not session.url:
            raise GatewayRequestRefused(f"Stripe returned no payment page for invoice {invoice_number}.")
        return PayLink(invoice_number, amount_pence, session.url, session.id)

    def charge_card(
        self, customer_id: str, urn: str, invoice_number: str, amount_pence: int, payment_method: str
    ) -> CardPayment:
        _check_pence(amount_pence)
        with stripe_errors(f"charging a card for invoice {invoice_number}"):
            intent = self._client.v1.payment_intents.create(
                params={
                    "amount": amount_pence,
                    "currency": CURRENCY,
                    "customer": customer_id,
                    "payment_method": payment_method,
                    "confirm": True,
                    "off_session": True,
                    "metadata": {META_INVOICE: invoice_number, META_URN: urn},
                },
                options={"idempotency_key": idempotency_key(invoice_number, "card", amount_pence, payment_method)},
            )
        return CardPayment(invoice_number, amount_pence, intent.id, intent.status)

    def bank_transfer_details(self, customer_id: str, urn: str) -> BankDetails:
        with stripe_errors(f"fetching bank-transfer details for school {urn}"):
            found = self._client.v1.customers.funding_instructions.create(
                customer_id,
                params={
                    "currency": CURRENCY,
                    "funding_type": "bank_transfer",
                    "bank_transfer": {"type": "gb_bank_transfer", "requested_address_types": ["sort_code"]},
                },
                options={"idempotency_key": idempotency_key(urn, "funding", CURRENCY)},
            )
        for address in found.bank_transfer.financial_addresses:
            if address.sort_code is not None:
                code = address.sort_code
                return BankDetails(code.account_holder_name, code.sort_code, code.account_number)
        raise GatewayRequestRefused(f"Stripe returned no UK sort code and account number for school {urn}.")

    def refund(self, payment_id: str, amount_pence: int, refund_key: str) -> RefundReceipt:
        _check_pence(amount_pence)
        with stripe_errors(f"refunding payment {payment_id}"):
            refund = self._client.v1.refunds.create(
                params={"payment_intent": payment_id, "amount": amount_pence,
                        "metadata": {"traded_refund": refund_key}},
                options={"idempotency_key": idempotency_key("refund", payment_id, refund_key, amount_pence)},
            )
        return RefundReceipt(refund.id, payment_id, refund.amount, refund.status or "pending")


def _check_pence(amount_pence: int) -> None:
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
        raise GatewayRequestRefused(f"a gateway amount must be a positive whole number of pence, not {amount_pence!r}.")
