"""Orders for catalogue items: covered by the subscription's entitlement, or priced and charged.

Rules: domain-rules.md §2 (entitlements per tier and academic year are data;
further whole-class support and training are bought at catalogue prices), §3
(entitlements reset each academic year) and §6 (casework: covered referrals
count against the same entitlement).

Decisions where the rules are silent:
- The academic year of an order, its price-book version and the subscription
  that may cover it are those of the delivery date (the order date when none).
- An order of several units (e.g. three training places) is covered unit by
  unit: the units still included that year are free, the rest are charged.
  ``covered`` is true only when every unit is covered.
- Casework counts referrals, not days: a casework order is one use, covered
  whole or charged whole; the school's covered cases that year count too.
- A cancelled order gives its entitlement back unless the school cancelled it
  late (it is then charged, or used, as if delivered).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from billing.charges import NewCharge, raise_charge
from billing.context import Context
from billing.models import Case, Order, School
from billing.pricebooks import version_for
from billing.schools import get_school
from billing.subscriptions import format_day, live_subscription
from contracts.cancellation import NOTICE_PERIOD
from contracts.charge_details import OrderDetail
from contracts.entitlements import is_covered
from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput, NotFound
from pricing.pricebook import Item
from pricing.text import clean_optional_line

CASEWORK = "casework"


def covered_units(order: Order) -> int:
    """How many of an order's units its subscription covered (the rest were charged)."""
    if order.covered:
        return order.quantity
    if order.unit_price <= 0:
        return 0
    return order.quantity - int(order.price / order.unit_price)


def _still_uses_entitlement(order: Order) -> bool:
    if order.status != "cancelled":
        return True
    if order.cancelled_by != "school" or order.notice_on is None:
        return False
    return order.deliver_on is None or order.notice_on > order.deliver_on - NOTICE_PERIOD


def used_this_year(ctx: Context, school: School, service: str, year: AcademicYear,
                   service_of: dict[str, str]) -> int:
    """Uses of ``service`` already counted against the school's entitlement in ``year`` (§2, §6)."""
    orders = ctx.session.scalars(select(Order).where(
        Order.school_id == school.id, Order.academic_year == year.start_year)).all()
    used = 0
    for order in orders:
        if service_of.get(order.item_code) != service or not _still_uses_entitlement(order):
            continue
        if service == CASEWORK:
            used += 1 if order.covered else 0
        else:
            used += covered_units(order)
    if service == CASEWORK:
        used += ctx.session.scalar(select(func.count(Case.id)).where(
            Case.school_id == school.id, Case.academic_year == year.start_year, Case.covered.is_(True))) or 0
    return used


def _item(ctx: Context, year: AcademicYear, code: str) -> tuple[Item, dict[str, str]]:
    version = version_for(ctx, year)
    try:
        item = version.item(code)
    except NotFound:
        known = ", ".join(i.code for i in version.items)
        raise NotFound(f'the {version.year} price book has no item "{code}" (items: {known})',
                       code="unknown_item") from None
    return item, {i.code: i.service for i in version.items}


def add_order(
    ctx: Context, urn: str, item_code: str, qty: int = 1, deliver_on: date | None = None,
    po_number: str | None = None,
) -> Order:
    """Buy a catalogue item: covered by the live subscription's entitlement, or charged (§2, §6).

    The charge (kind "order", key ``order/{id}``) is due on the delivery date, or the
    order date when there is none. A wholly covered order raises no charge.
    """
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise InvalidInput(f"quantity {qty!r} must be a whole number of at least 1", code="bad_quantity")
    if po_number is not None and len(po_number.strip()) > 40:  # orders.po_number is String(40), as a subscription's
        raise InvalidInput("purchase order number is longer than 40 characters")
    school = get_school(ctx, urn)
    ordered_on = ctx.today
    on = deliver_on or ordered_on
    year = AcademicYear.of(on)
    item, service_of = _item(ctx, year, item_code)
    sub = live_subscription(ctx, school.id, on)

    free = 0
    if sub is not None:
        included = version_for(ctx, year).tier(sub.tier).included(item.service)
        used = used_this_year(ctx, school, item.service, year, service_of)
        if item.service == CASEWORK:
            free = qty if is_covered(included, used) else 0
        else:
            free = qty if included is None else max(0, min(qty, included - used))
    charged_units = qty - free
    price = item.price * charged_units
    order = Order(
        school_id=school.id, subscription_id=sub.id if sub else None, item_code=item.code, quantity=qty,
        academic_year=year.start_year, ordered_on=ordered_on, deliver_on=deliver_on, covered=charged_units == 0,
        unit_price=item.price, price=price, status="open",
        po_number=clean_optional_line(po_number, "purchase order number", 40), created_at=ctx.now,
    )
    ctx.session.add(order)
    ctx.session.flush()
    if price > 0:
        when = f", delivery {format_day(deliver_on)}" if deliver_on else ""
        covered_note = f" ({free} covered by the subscription)" if free else ""
        raise_charge(ctx, NewCharge(
            school=school, kind="order", source_key=f"order/{order.id}", service_code=item.service,
            description=f"{item.name} × {charged_units}{covered_note}{when}",
            due_on=on, amount=price, item_vat_code=item.vat_code,
            quantity=Decimal(charged_units), unit_price=item.price,
            period_start=deliver_on, period_end=deliver_on, order_id=order.id,
            detail=OrderDetail(item=item.code, item_vat_code=item.vat_code, covered_units=free),
        ))
    ctx.audit("order.add", "order", order.id, {
        "school": school.urn, "item": item.code, "quantity": qty, "deliver_on": deliver_on,
        "year": year.name, "subscription": sub.id if sub else None, "covered_units": free, "price": price,
    })
    return order


ORDER_STATUSES = ("open", "delivered", "cancelled")


def list_orders(ctx: Context, urn: str | None = None, year: AcademicYear | None = None,
                status: str | None = None) -> list[Order]:
    """Orders by id: one school's, one academic year's (of delivery), or one status's."""
    if status is not None and status not in ORDER_STATUSES:
        raise InvalidInput(f"status {status!r} must be one of {', '.join(ORDER_STATUSES)}", code="bad_status")
    query = select(Order).order_by(Order.id)
    if urn is not None:
        query = query.where(Order.school_id == get_school(ctx, urn).id)
    if year is not None:
        query = query.where(Order.academic_year == year.start_year)
    if status is not None:
        query = query.where(Order.status == status)
    return list(ctx.session.scalars(query))


def order_json(order: Order) -> dict[str, object]:
    """The contract's shape for `order add` (cli-contract.md)."""
    return {
        "id": order.id, "urn": order.school.urn, "item": order.item_code, "quantity": order.quantity,
        "covered": order.covered, "covered_quantity": covered_units(order), "price": order.price,
        "unit_price": order.unit_price, "year": AcademicYear(order.academic_year).name,
        "deliver_on": order.deliver_on, "status": order.status,
    }

