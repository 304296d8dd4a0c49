"""Stripe's events as the engine reads them: the envelope and only the fields it uses, checked at the edge.

:class:`Event` is the envelope every delivery must have (id, type, created, data
object); billing.gateway.inbox reads a verified body through it once and names
the first part that is missing or malformed. The objects below are read from
its data object.

Field names follow the pinned library's typed resources (``stripe.PaymentIntent``,
``stripe.checkout.Session``, ``stripe.CustomerCashBalanceTransaction``,
``stripe.Charge``). Unknown fields are ignored; a field the engine reads with the
wrong type fails validation, and the event is then kept for a person rather than
guessed at. An expandable field (``payment_intent``) may arrive as an id or as
the expanded object; both read as the id. The fields every event shares (currency,
customer, metadata: :class:`Shared`) and a refunded charge's never fail: a value in
another form reads as absent, as it always has.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, StrictInt, StrictStr, ValidationError

from billing.gateway.port import CURRENCY

BALANCE = "customer_balance"  # Stripe's payment method type for money paid from a customer's cash balance
LATEST_CREATED = 253_402_300_799  # 9999-12-31 23:59:59 UTC: the last instant a datetime holds

__all__ = ["BALANCE", "LATEST_CREATED", "CashBalanceTransaction", "CheckoutSession", "Event", "PaymentIntent",
           "RefundedCharge", "Shared", "ValidationError", "paid_from_balance", "problem"]


def _text(value: Any) -> Any:
    if isinstance(value, dict):  # an expanded object: use its id
        value = value.get("id")
    if isinstance(value, str):
        return value.strip() or None
    return value


Text = Annotated[StrictStr | None, BeforeValidator(_text)]  # blank reads as None; an expanded object as its id


class _Object(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- the envelope ---------------------------------------------------------------------------

EventId = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_.:\-]{1,80}$")]  # gateway_events.event_id is String(80)
EventType = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_.\-]{1,80}$")]


class EventData(_Object):
    object: dict[str, Any]


class Event(_Object):
    """A Stripe event's envelope, with the verified body it was read from (stored as it came)."""

    object: Literal["event"]
    id: EventId
    type: EventType
    created: Annotated[StrictInt, Field(ge=0, le=LATEST_CREATED)]
    data: EventData
    _body: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def read(cls, body: dict[str, Any]) -> Event:
        """The envelope of ``body``; ValidationError naming each part that is missing or malformed."""
        event = cls.model_validate(body)
        event._body = body
        return event

    @property
    def body(self) -> dict[str, Any]:
        return self._body

    @property
    def occurred_at(self) -> datetime:
        return datetime.fromtimestamp(self.created, UTC)

    def __getitem__(self, key: str) -> Any:
        """The body's own value, as the event was read before it was typed."""
        return self._body[key]


# --- what every event's object may carry ----------------------------------------------------


def _id_or_none(value: Any) -> str | None:
    if isinstance(value, dict):  # an expanded object: use its id
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _currency(value: Any) -> str:
    return str(value or CURRENCY).lower()


def _metadata(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {key: text.strip() for key, text in value.items() if isinstance(text, str) and text.strip()}


def _pence_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


AnyId = Annotated[str | None, BeforeValidator(_id_or_none)]  # anything but a non-empty id reads as None
AnyPence = Annotated[int | None, BeforeValidator(_pence_or_none)]


class Shared(_Object):
    """Currency, customer and our metadata: read from any event's object, never refused."""

    currency: Annotated[str, BeforeValidator(_currency)] = CURRENCY
    customer: AnyId = None
    metadata: Annotated[dict[str, str], BeforeValidator(_metadata)] = {}


class RefundedCharge(_Object):
    """A ``charge.refunded`` object: the payment it refunds and how much of it, in total, is refunded."""

    id: AnyId = None
    payment_intent: AnyId = None
    amount_refunded: AnyPence = None

    @property
    def payment_key(self) -> str | None:
        return self.payment_intent or self.id


# --- the objects money events carry ---------------------------------------------------------


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
