"""Orders as the team looks them up: `order add|list|show`.

An order's row (item, quantity, how many units the subscription covered, price,
year and status) and, shown one at a time, the sessions delivering it and the
charges raised on it (the order's price, a late cancellation's charge), each with
the invoice it is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.cancellations import get_order
from billing.context import Context
from billing.models import Charge, Order
from billing.orders import covered_units, list_orders
from billing.views import ChargeView, charge_views
from billing.views.casework import SessionView, list_sessions
from pricing.calendars import AcademicYear


@dataclass(frozen=True)
class OrderView:
    """The contract's shape for `order add` (cli-contract.md); ``year`` is the academic year of delivery."""

    id: int
    urn: str
    item: str
    quantity: int
    covered: bool
    covered_quantity: int
    price: Decimal
    unit_price: Decimal
    year: str
    deliver_on: date | None
    status: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "urn": self.urn, "item": self.item, "quantity": self.quantity,
                "covered": self.covered, "covered_quantity": self.covered_quantity, "price": self.price,
                "unit_price": self.unit_price, "year": self.year, "deliver_on": self.deliver_on,
                "status": self.status}


@dataclass(frozen=True)
class OrderDetail:
    order: OrderView
    ordered: date
    po_number: str | None
    cancelled_by: str | None
    notice: date | None
    costs_incurred: Decimal | None
    sessions: tuple[SessionView, ...]
    charges: tuple[ChargeView, ...]

    def as_json(self) -> dict[str, object]:
        return {**self.order.as_json(), "ordered": self.ordered, "po_number": self.po_number,
                "cancelled_by": self.cancelled_by, "notice": self.notice, "costs_incurred": self.costs_incurred,
                "sessions": [s.as_json() for s in self.sessions], "charges": [c.as_json() for c in self.charges]}


def order_view(order: Order) -> OrderView:
    return OrderView(order.id, order.school.urn, order.item_code, order.quantity, order.covered, covered_units(order),
                     order.price, order.unit_price, AcademicYear(order.academic_year).name, order.deliver_on,
                     order.status)


def order_views(ctx: Context, urn: str | None = None, year: AcademicYear | None = None,
                status: str | None = None) -> list[OrderView]:
    """Orders by id: one school's, one academic year's (of delivery), or one status's."""
    return [order_view(order) for order in list_orders(ctx, urn, year, status)]


def show_order(ctx: Context, order_id: int) -> OrderDetail:
    order = get_order(ctx, order_id)
    charges = ctx.session.scalars(select(Charge).where(Charge.order_id == order.id).order_by(Charge.id))
    return OrderDetail(order_view(order), order.ordered_on, order.po_number, order.cancelled_by, order.notice_on,
                       order.costs_incurred, tuple(list_sessions(ctx, order_id=order.id)),
                       tuple(charge_views(ctx, list(charges))))
