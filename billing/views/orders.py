"""One order as the team looks it up: `order show` (the list is billing.orders.list_orders).

The order's `order add` view, with the sessions delivering it and the charges
raised on it (the order's price, a late cancellation's charge), each with the
invoice it is on.
"""

from __future__ import annotations

from sqlalchemy import select

from billing.cancellations import get_order
from billing.context import Context
from billing.models import Charge
from billing.orders import order_json
from billing.views import charge_views
from billing.views.casework import list_sessions


def show_order(ctx: Context, order_id: int) -> dict[str, object]:
    order = get_order(ctx, order_id)
    charges = ctx.session.scalars(select(Charge).where(Charge.order_id == order.id).order_by(Charge.id))
    return {
        **order_json(order), "ordered": order.ordered_on, "po_number": order.po_number,
        "cancelled_by": order.cancelled_by, "notice": order.notice_on, "costs_incurred": order.costs_incurred,
        "sessions": [s.as_json() for s in list_sessions(ctx, order_id=order.id)],
        "charges": [c.as_json() for c in charge_views(ctx, list(charges))],
    }
