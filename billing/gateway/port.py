"""What billing asks of a payment gateway: integer pence, GBP, keyed by our invoice number.

Nothing from the gateway's own library crosses this boundary — only the plain
values below and the opaque ids the gateway hands back (its customer and
payment ids), which the engine stores as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

CURRENCY = "gbp"

# Metadata keys written on every gateway object we create, read back from its events.
META_INVOICE = "invoice_number"
META_URN = "school_urn"


@dataclass(frozen=True)
class CustomerDetails:
    """A school as the gateway sees it (no personal data: the school's own name and address)."""

    urn: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class PayLink:
    """A hosted page where the school pays ``amount_pence`` of ``invoice_number`` by card."""

    invoice_number: str
    amount_pence: int
    url: str
    gateway_ref: str


@dataclass(frozen=True)
class CardPayment:
    """A card payment the engine asked for; money counts only when the gateway's event says so."""

    invoice_number: str
    amount_pence: int
    payment_id: str
    status: str


@dataclass(frozen=True)
class BankDetails:
    """The school's own virtual account: transfers into it are matched to the school automatically."""

    account_holder_name: str
    sort_code: str
    account_number: str


@dataclass(frozen=True)
class RefundReceipt:
    refund_id: str
    payment_id: str
    amount_pence: int
    status: str


class PaymentGateway(Protocol):
    """The gateway port. Each create is idempotent on its arguments (retrying is always safe)."""

    def create_customer(self, customer: CustomerDetails) -> str:
        """Create the gateway's customer record for a school; returns its id."""
        ...

    def create_pay_link(self, customer_id: str, urn: str, invoice_number: str, amount_pence: int) -> PayLink:
        """A hosted card-payment page for exactly ``amount_pence`` of the invoice."""
        ...

    def charge_card(
        self, customer_id: str, urn: str, invoice_number: str, amount_pence: int, payment_method: str
    ) -> CardPayment:
        """Charge a card the school has saved with the gateway."""
        ...

    def bank_transfer_details(self, customer_id: str, urn: str) -> BankDetails:
        """The sort code and account number the school pays into by BACS."""
        ...

    def refund(self, payment_id: str, amount_pence: int, refund_key: str) -> RefundReceipt:
        """Pay back part or all of a payment; ``refund_key`` names the refund (e.g. a credit note)."""
        ...


NoticeKind = Literal["payment", "funded", "applied", "refund", "ignored"]


@dataclass(frozen=True)
class GatewayNotice:
    """One gateway event, reduced to what the ledger needs.

    For a payment, ``amount_pence`` is the money received and ``external_key``
    identifies the payment once (a card payment's id); ``payment_intent`` is
    the gateway payment it belongs to, and ``from_balance`` says whether it was
    paid out of the school's cash balance (None: the event does not say).
    ``funded`` is a bank transfer into the school's cash balance (its virtual
    account) and ``applied`` is the gateway spending that balance on payment
    ``payment_intent``; ``external_key`` is the balance transaction's id. A
    funding and the payments that spend it are one movement of money, recorded
    once (billing.gateway.cash_balance).
    For a refund, ``amount_pence`` is the total refunded so far on payment
    ``external_key`` (gateways report refunds cumulatively; the ledger records
    the difference once per reported total). ``problem`` names a field the
    event carried in a form the engine cannot read: such an event is kept for a person.
    """

    event_id: str
    type: str
    kind: NoticeKind
    occurred_at: datetime
    amount_pence: int = 0
    currency: str = CURRENCY
    method: Literal["card", "bacs"] = "card"
    external_key: str | None = None
    invoice_number: str | None = None
    urn: str | None = None
    customer_id: str | None = None
    reference: str | None = None
    payment_intent: str | None = None
    from_balance: bool | None = None
    problem: str | None = None
    payload: dict[str, object] = field(default_factory=dict, compare=False)
