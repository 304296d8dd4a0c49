"""What a school can book from an academic year's catalogue, and what one order would cost before it is made.

:func:`preview_order` asks contracts.orders.cover the same question
billing.orders.add_order asks (the delivery day's price book, subscription and
the entitlement already used that year), writing nothing, so the portal's
"check your answer" page shows the price the order will be charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.context import Context
from billing.entitlements import school_entitlements
from billing.models import School
from billing.orders import order_cover
from billing.pricebooks import version_for
from contracts import orders as domain
from pricing.calendars import AcademicYear
from pricing.errors import NotFound
from pricing.pricebook import CASEWORK_DAY, Item


@dataclass(frozen=True)
class CatalogueItem:
    """An item a school may book; ``remaining`` is what its entitlement still covers that year (None: no cap)."""

    code: str
    name: str
    unit: str
    service: str
    price: Decimal
    included: int | None
    remaining: int | None


def catalogue(ctx: Context, school: School, year: AcademicYear) -> list[CatalogueItem]:
    """The year's catalogue in price-book order; extra casework days are raised by casework, never booked."""
    usage = {row["service"]: row for row in school_entitlements(ctx, school, year)["items"]}
    return [CatalogueItem(item.code, item.name, item.unit, item.service, item.price,
                          usage[item.service]["included"] if item.service in usage else 0,
                          usage[item.service]["remaining"] if item.service in usage else 0)
            for item in version_for(ctx, year).items if item.code != CASEWORK_DAY]


@dataclass(frozen=True)
class OrderPreview:
    item: str
    name: str
    unit: str
    quantity: int
    unit_price: Decimal
    covered: int  # units the subscription's entitlement covers
    charged: int
    price: Decimal  # net of VAT
    deliver_on: date | None
    year: str


def bookable_item(ctx: Context, year: AcademicYear, code: str) -> Item:
    version = version_for(ctx, year)
    if code == CASEWORK_DAY:
        raise NotFound(f'the {version.year} catalogue has no item "{code}" to book', code="unknown_item")
    try:
        return version.item(code)
    except NotFound:
        raise NotFound(f'the {version.year} catalogue has no item "{code}"', code="unknown_item") from None


def preview_order(ctx: Context, school: School, item_code: str, qty: int, deliver_on: date | None) -> OrderPreview:
    """What billing.orders.add_order would charge for this order today, refused as it would refuse."""
    quantity = domain.check_quantity(qty)
    on = deliver_on or ctx.today
    year = AcademicYear.of(on)
    item = bookable_item(ctx, year, item_code)
    _, cover = order_cover(ctx, school, item, quantity, on)
    return OrderPreview(item.code, item.name, item.unit, quantity, item.price, cover.free, cover.charged,
                        cover.price, deliver_on, year.name)
