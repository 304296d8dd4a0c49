"""A school's entitlements for an academic year: included, used and beyond (domain-rules.md §2, §3, §6).

Casework is counted in referrals (cases opened that year, plus casework
ordered from the catalogue); other services in ordered units. ``beyond`` is
what was charged: uncovered cases and uncovered order units, so the figures
always agree with the ledger. Hours delivered — deemed-delivered sessions
included (§5) — are shown beside the counts, with what was charged.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from billing.casework import KIND as CASEWORK_KIND
from billing.context import Context
from billing.models import Case, Charge, Order, School, Session
from billing.orders import as_record
from billing.pricebooks import version_for
from billing.schools import get_school
from billing.sessions import COUNTED
from billing.subscriptions import live_subscription
from contracts.entitlements import CASEWORK, case_use, reference_day, summarise, tally
from contracts.orders import order_use
from contracts.states import ChargeStatus, OrderStatus
from pricing.calendars import AcademicYear
from pricing.money import ZERO, format_money
from pricing.pricebook import SERVICES


def _tier_on(ctx: Context, school: School, year: AcademicYear) -> str | None:
    """The tier of the subscription in force in ``year``: as of today within the year, else its last day."""
    on = reference_day(year, ctx.today)
    sub = live_subscription(ctx, school.id, on)
    if sub is None and on != year.start:
        sub = live_subscription(ctx, school.id, year.start)
    return sub.tier if sub is not None else None


def entitlements(ctx: Context, urn: str, year: AcademicYear) -> dict[str, Any]:
    """Used / included / beyond per service for one school and academic year (§2: entitlements are data).

    ``used`` counts every referral or unit of the year, however it was paid for;
    ``beyond`` counts those charged (not covered). ``hours`` are delivered and
    deemed-delivered hours; ``charged`` is the money raised for the use beyond.
    """
    return school_entitlements(ctx, get_school(ctx, urn), year)


def school_entitlements(ctx: Context, school: School, year: AcademicYear) -> dict[str, Any]:
    """:func:`entitlements` for a school already loaded (a statement has it: no second lookup)."""
    version = version_for(ctx, year)
    tier = _tier_on(ctx, school, year)
    included: dict[str, int | None] = {
        s: (version.tier(tier).included(s) if tier is not None else 0) for s in SERVICES
    }
    hours: dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
    charged: dict[str, Decimal] = defaultdict(lambda: ZERO)

    # A few set-based queries per school (never one per case or order), each on an indexed column.
    cases = list(ctx.session.scalars(
        select(Case).where(Case.school_id == school.id, Case.academic_year == year.start_year)
    ))
    case_ids = [case.id for case in cases]
    if case_ids:
        for delivered in ctx.session.scalars(
            select(Session.delivered_hours).where(Session.case_id.in_(case_ids), Session.status.in_(COUNTED))
        ):
            hours[CASEWORK] += delivered or Decimal("0")
        for amount in ctx.session.scalars(
            select(Charge.amount).where(Charge.case_id.in_(case_ids), Charge.kind == CASEWORK_KIND,
                                        Charge.status == ChargeStatus.DUE)
        ):
            charged[CASEWORK] += amount
    uses = [case_use(case.covered) for case in cases]

    orders = list(ctx.session.scalars(select(Order).where(
        Order.school_id == school.id, Order.academic_year == year.start_year, Order.status != OrderStatus.CANCELLED)))
    # Keyed by Session.order_id, a nullable column, though only these orders' sessions are read.
    order_hours: dict[int | None, Decimal] = defaultdict(lambda: Decimal("0"))
    if orders:
        for order_id, delivered in ctx.session.execute(
            select(Session.order_id, Session.delivered_hours)
            .where(Session.order_id.in_([o.id for o in orders]), Session.status.in_(COUNTED))
        ):
            order_hours[order_id] += delivered or Decimal("0")
    for order in orders:
        service = version.item(order.item_code).service
        uses.append(order_use(as_record(order, service)))
        charged[service] += order.price
        hours[service] += order_hours[order.id]
    used, beyond = tally(uses)

    items = []
    for usage in summarise(included, used):
        items.append({
            "service": usage.service,
            "included": usage.included,
            "used": usage.used,
            "beyond": beyond[usage.service],
            "remaining": usage.remaining,
            "hours": str(hours[usage.service]),
            "charged": format_money(charged[usage.service]),
        })
    return {"urn": school.urn, "year": year.name, "tier": tier, "items": items}


def entitlements_on(ctx: Context, urn: str, on: date) -> dict[str, Any]:
    """Entitlements for the academic year holding ``on``."""
    return entitlements(ctx, urn, AcademicYear.of(on))
