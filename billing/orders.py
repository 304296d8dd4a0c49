"""Orders for catalogue items: covered by the subscription's entitlement, or priced and charged.

Rules: domain-rules.md §2 (entitlements per tier and academic year are data;
further whole-class support and training are bought at catalogue prices), §3
(entitlements reset each academic year) and §6 (casework: covered referrals
count against the same entitlement). The decisions are contracts/orders.py's;
this module loads the rows they need and records the outcome.

Where the rules are silent: the academic year of an order, its price-book
version and the subscription that may cover it are those of the delivery date
(the order date when none).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from billing.charges import NewCharge, raise_charge
from billing.context import Context
from billing.models import Case, Order, School, Subscription
from billing.pricebooks import version_for
from billing.schools import get_school
from billing.subscriptions import format_day, live_subscription
from contracts import orders as domain
from contracts.charge_details import OrderDetail
from contracts.entitlements import CASEWORK
from contracts.orders import Entitlement, OrderRecord
from contracts.states import OrderStatus, values
from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput, NotFound
from pricing.pricebook import Item
from pricing.text import clean_optional_line


def as_record(order: Order, service: str | None = None) -> OrderRecord:
    """The row as the rules see it; ``service`` is its item's, from the year's price book, when needed."""
    return OrderRecord(
        service=service,
        quantity=order.quantity, covered=order.covered, unit_price=order.unit_price, price=order.price,
        status=OrderStatus(order.status), deliver_on=order.deliver_on, cancelled_by=order.cancelled_by,
        notice_on=order.notice_on,
    )


def covered_units(order: Order) -> int:
    """How many of an order's units its subscription covered (the rest were charged)."""
    return domain.covered_units(as_record(order))


def used_this_year(ctx: Context, school: School, service: str, year: AcademicYear,
                   service_of: dict[str, str]) -> int:
    """Uses of ``service`` already counted against the school's entitlement in ``year`` (§2, §6)."""
    orders = ctx.session.scalars(select(Order).where(
        Order.school_id == school.id, Order.academic_year == year.start_year)).all()
    covered_cases = 0
    if service == CASEWORK:
        covered_cases = ctx.session.scalar(select(func.count(Case.id)).where(
            Case.school_id == school.id, Case.academic_year == year.start_year, Case.covered.is_(True))) or 0
    return domain.entitlement_uses([as_record(order, service_of.get(order.item_code)) for order in orders], service, covered_cases)


def _item(ctx: Context, year: AcademicYear, code: str) -> Item:
    version = version_for(ctx, year)
    try:
        item = version.item(code)
    except NotFound:
        known = ", ".join(i.code for i in version.items)
        raise NotFound(f'the {version.year} price book has no item "{code}" (items: {known})',
                       code="unknown_item") from None
    return item


def order_cover(ctx: Context, school: School, item: Item, quantity: int, on: date
                ) -> tuple[Subscription | None, domain.Cover]:
    """The subscription covering ``on`` and what its entitlement covers of ``quantity`` units (§2, §6).

    Placing an order and previewing one (the portal's booking check) both ask this, so they cannot differ.
    """
    year = AcademicYear.of(on)
    sub = live_subscription(ctx, school.id, on)
    entitlement = None
    if sub is not None:
        version = version_for(ctx, year)
        entitlement = Entitlement(included=version.tier(sub.tier).included(item.service),
                                  used=used_this_year(ctx, school, item.service, year,
                                                      {i.code: i.service for i in version.items}))
    return sub, domain.cover(item.service, quantity, item.price, entitlement)


def add_order(
    ctx: Context, urn: str, item_code: str, qty: int = 1, deliver_on: date | None = None,
    po_number: str | None = None,
) -> Order:
    """Buy a catalogue item: covered by the live subscription's entitlement, or charged (§2, §6).

    The charge (kind "order", key ``order/{id}``) is due on the delivery date, or the
    order date when there is none. A wholly covered order raises no charge.
    """
    quantity = domain.check_quantity(qty)
    if po_number is not None and len(po_number.strip()) > 40:  # orders.po_number is String(40), as a subscription's
        raise InvalidInput("purchase order number is longer than 40 characters")
    school = get_school(ctx, urn)
    ordered_on = ctx.today
    on = deliver_on or ordered_on
    year = AcademicYear.of(on)
    item = _item(ctx, year, item_code)
    sub, cover = order_cover(ctx, school, item, quantity, on)
    order = Order(
        school_id=school.id, subscription_id=sub.id if sub else None, item_code=item.code, quantity=quantity,
        academic_year=year.start_year, ordered_on=ordered_on, deliver_on=deliver_on, covered=cover.covered,
        unit_price=item.price, price=cover.price, status=OrderStatus.OPEN,
        po_number=clean_optional_line(po_number, "purchase order number", 40), created_at=ctx.now,
    )
    ctx.session.add(order)
    ctx.session.flush()
    if cover.price > 0:
        raise_charge(ctx, NewCharge(
            school=school, kind="order", source_key=f"order/{order.id}", service_code=item.service,
            description=cover.description(item.name, deliver_on, format_day),
            due_on=on, amount=cover.price, item_vat_code=item.vat_code,
            quantity=Decimal(cover.charged), unit_price=item.price,
            period_start=deliver_on, period_end=deliver_on, order_id=order.id,
            detail=OrderDetail(item=item.code, item_vat_code=item.vat_code, covered_units=cover.free),
        ))
    ctx.audit("order.add", "order", order.id, {
        "school": school.urn, "item": item.code, "quantity": quantity, "deliver_on": deliver_on,
        "year": year.name, "subscription": sub.id if sub else None, "covered_units": cover.free,
        "price": cover.price,
    })
    return order


ORDER_STATUSES = values(OrderStatus)


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
