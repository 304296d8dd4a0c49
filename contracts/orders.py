"""A catalogue order as a value: what its subscription covers and what is charged (domain-rules.md §2, §3, §6).

Decisions where the rules are silent:
- An order of several units (e.g. three training places) is covered unit by
  unit: the units still included that year are free, the rest are charged.
  ``covered`` is true only when every unit is covered.
- Casework counts referrals, not days: a casework order is one use, covered
  whole or charged whole; the school's covered cases that year count too.
- A cancelled order gives its entitlement back unless the school cancelled it
  late (it is then charged, or used, as if delivered).

Nothing here reads a database: billing/orders.py loads the rows, turns them into
:class:`OrderRecord` values (the service each item belongs to taken from the
year's price book), asks, and writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.cancellation import NOTICE_PERIOD
from contracts.entitlements import CASEWORK, Use, is_covered
from contracts.states import OrderStatus
from pricing.errors import InvalidInput

# The document date format lives in invoices/, which contracts/ may not import.
DayFormat = Callable[[date], str]


def check_quantity(qty: object) -> int:
    # bool is an int subclass; True must not pass as one unit.
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise InvalidInput(f"quantity {qty!r} must be a whole number of at least 1", code="bad_quantity")
    return qty


@dataclass(frozen=True)
class OrderRecord:
    """An order already made. ``service`` is its item's service (None when the year's price book lacks the item)."""

    service: str | None
    quantity: int
    covered: bool
    unit_price: Decimal
    price: Decimal
    status: OrderStatus = OrderStatus.OPEN
    deliver_on: date | None = None
    cancelled_by: str | None = None
    notice_on: date | None = None


def covered_units(order: OrderRecord) -> int:
    """How many of an order's units its subscription covered (the rest were charged)."""
    if order.covered:
        return order.quantity
    if order.unit_price <= 0:
        return 0
    return order.quantity - int(order.price / order.unit_price)


def still_uses_entitlement(order: OrderRecord) -> bool:
    """Whether the order still counts against the year's entitlement.

    A live order does; a cancelled one only when the school cancelled it with less
    than twelve weeks' notice before delivery, or with no delivery date (§4).
    """
    if order.status != OrderStatus.CANCELLED:
        return True
    if order.cancelled_by != "school" or order.notice_on is None:
        return False
    return order.deliver_on is None or order.notice_on > order.deliver_on - NOTICE_PERIOD


def entitlement_uses(orders: Iterable[OrderRecord], service: str, covered_cases: int = 0) -> int:
    """Uses of ``service`` counted against the entitlement: a school's orders of one academic year (§2, §6).

    Casework counts referrals: each covered casework order is one use, and so is
    each covered case (``covered_cases``, ignored for other services). Other
    services count the units their orders had covered.
    """
    used = 0
    for order in orders:
        if order.service != service or not still_uses_entitlement(order):
            continue
        if service == CASEWORK:
            used += 1 if order.covered else 0
        else:
            used += covered_units(order)
    if service == CASEWORK:
        used += covered_cases
    return used


def order_use(order: OrderRecord) -> Use:
    """An order's place in the year's entitlement figures: units used, and those charged beyond it.

    Casework is counted in referrals: an order for it is one use, covered or charged whole.
    """
    if order.service is None:
        raise InvalidInput("An order's use is counted against its item's service, and none was given.")
    if order.service == CASEWORK:
        return Use(CASEWORK, 1, 0 if order.covered else 1)
    return Use(order.service, order.quantity, order.quantity - covered_units(order))


@dataclass(frozen=True)
class Entitlement:
    """A subscription's allowance of one service in a year: included (None = no cap) and already used."""

    included: int | None
    used: int


@dataclass(frozen=True)
class Cover:
    """What a new order costs: ``free`` units covered by the subscription, ``charged`` units at ``unit_price``."""

    free: int
    charged: int
    unit_price: Decimal

    @property
    def price(self) -> Decimal:
        return self.unit_price * self.charged

    @property
    def covered(self) -> bool:
        return self.charged == 0

    def description(self, item_name: str, deliver_on: date | None, day: DayFormat) -> str:
        """The charge's line, e.g. "CPD place × 1 (1 covered by the subscription), delivery 2019-11-12"."""
        when = f", delivery {day(deliver_on)}" if deliver_on else ""
        covered_note = f" ({self.free} covered by the subscription)" if self.free else ""
        return f"{item_name} × {self.charged}{covered_note}{when}"


def cover(service: str, quantity: int, unit_price: Decimal, entitlement: Entitlement | None) -> Cover:
    """How much of a new order the subscription covers (§2, §6); ``entitlement`` None when none is in force.

    Casework is covered whole while a referral is still included, else charged whole;
    other services have their units covered while the year's allowance lasts.
    """
    qty = check_quantity(quantity)
    free = 0
    if entitlement is not None:
        if service == CASEWORK:
            free = qty if is_covered(entitlement.included, entitlement.used) else 0
        elif entitlement.included is None:
            free = qty
        else:
            free = max(0, min(qty, entitlement.included - entitlement.used))
    return Cover(free=free, charged=qty - free, unit_price=unit_price)
