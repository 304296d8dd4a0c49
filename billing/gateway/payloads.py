"""Stripe's event objects as the engine reads them: only the fields it uses, checked at the edge.

Field names follow the pinned library's typed resources (``stripe.PaymentIntent``,
``stripe.checkout.Session``, ``stripe.CustomerCashBalanceTransaction``,
``stripe.Charge``). Unknown fields are ignored; a field the engine reads with the
wrong type fails validation, and the event is then kept for a person rather than
guessed at. An expandable field (``payment_intent``) may arrive as an id or as
the expanded object; both read as the id. The fields every event shares (currency,
customer, metadata) are read in billing.gateway.webhooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictInt, StrictStr, ValidationError

BALANCE = "customer_balance"  # Stripe's payment method type for money paid from a customer's cash balance

__all__ = ["BALANCE", "CashBalanceTransaction", "CheckoutSession", "PaymentIntent", "ValidationError",
           "paid_from_balance", "problem"]


def _text(value: Any) -> Any:
    if isinstance(value, dict):  # an expanded object: use its id
        value = value.get("id")
    if isinstance(value, str):
        return value.strip() or None
    return value


Text = Annotated[StrictStr | None, BeforeValidator(_text)]  # blank reads as None; an expanded object as its id


class _Object(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MethodDetails(_Object):
    type: Text = None


class Charge(_Object):
    status: Text = None
    payment_method_details: MethodDetails | None = None


class ChargeList(_Object):
    data: list[Charge] = []


class PaymentIntent(_Object):
    id: StrictStr
    amount: StrictInt | None = None
    amount_received: StrictInt | None = None
    payment_method_types: list[StrictStr] = []
    latest_charge: Charge | StrictStr | None = None  # an id unless the event was built with it expanded
    charges: ChargeList | None = None  # API versions before 2022-11-15 listed the charges here

    def charge_method_types(self) -> list[str]:
        """How the money was actually taken, where the object says: its successful charges' method types."""
        if isinstance(self.latest_charge, Charge):
            charges = [self.latest_charge]
        elif self.charges is not None:
            charges = [c for c in self.charges.data if c.status in (None, "succeeded")]
        else:
            charges = []
        return [c.payment_method_details.type for c in charges
                if c.payment_method_details is not None and c.payment_method_details.type]


class CheckoutSession(_Object):
    id: StrictStr
    payment_status: Text = None
    amount_total: StrictInt | None = None
    client_reference_id: Text = None
    payment_intent: Text = None
    payment_method_types: list[StrictStr] = []
    allowed_payment_method_types: list[StrictStr] | None = None

    def method_types(self) -> list[str]:
        return list(self.payment_method_types) or list(self.allowed_payment_method_types or [])


class BankTransfer(_Object):
    reference: Text = None  # what the school's bank sent with the transfer


class Funded(_Object):
    bank_transfer: BankTransfer | None = None


class AppliedToPayment(_Object):
    payment_intent: Text = None


class CashBalanceTransaction(_Object):
    id: StrictStr
    type: Text = None
    net_amount: StrictInt | None = None  # positive into the balance, negative out of it
    funded: Funded | None = None
    applied_to_payment: AppliedToPayment | None = None


def paid_from_balance(method_types: Sequence[str], charge_types: Sequence[str] = ()) -> bool | None:
    """Whether a payment was taken from the customer's cash balance; None when Stripe's object cannot say.

    The charge's own method type decides when the object carries it. Otherwise the
    methods the payment could use do: none of them the cash balance → False; only
    the cash balance → True; the cash balance among others → None.
    """
    if charge_types:
        return BALANCE in charge_types
    if not method_types:
        return None
    if BALANCE not in method_types:
        return False
    if set(method_types) == {BALANCE}:
        return True
    return None


def problem(exc: ValidationError) -> str:
    """One line naming the first field Stripe's object had in an unexpected form."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "object"
    return f"the event's {where} could not be read ({first['msg'].lower()})"
