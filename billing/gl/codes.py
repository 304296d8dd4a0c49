"""Which account and cost centre each document line's income goes to, from the price book's chart of codes.

A line's income follows what it charged for: the catalogue item of an order (or the
casework day of extra casework), the tier of a subscription's fees and settlement, the
interest income code for interest; anything else (a line with no charge behind it) the
chart's default. A credit-note line follows the line it credits (``corrects_line_id``),
so a credit reverses the very codes the invoice posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from billing.bulk import among, chunks
from billing.context import Context
from billing.models import Charge, InvoiceLine, Order, Subscription
from billing.pricebooks import council
from pricing.pricebook import CASEWORK_DAY, LedgerCodes

INTEREST_KIND = "interest"


@dataclass(frozen=True)
class IncomeCode:
    role: str
    """``income``, or ``interest`` for late-payment interest (reconciled apart)."""
    account: str
    cost_centre: str


def chart(ctx: Context) -> LedgerCodes:
    """The chart of codes of the price book loaded now."""
    return council(ctx).ledger


def income_code(codes: LedgerCodes, charge_kind: str | None, item: str | None, tier: str | None,
                service_code: str) -> IncomeCode:
    """Where a line's net goes, from what its charge was for."""
    if charge_kind == INTEREST_KIND or (charge_kind is None and service_code == INTEREST_KIND):
        return IncomeCode("interest", codes.interest_income, codes.cost_centre)
    if item is not None:
        return IncomeCode("income", *codes.item_income(item))
    if charge_kind == "casework":
        return IncomeCode("income", *codes.item_income(CASEWORK_DAY))
    if tier is not None:
        return IncomeCode("income", *codes.tier_income(tier))
    return IncomeCode("income", *codes.default_income())


def line_codes(ctx: Context, codes: LedgerCodes, document_ids: Sequence[int]) -> dict[int, IncomeCode]:
    """Invoice line id -> where its income goes, for every line of the documents (one query per 900 documents)."""
    credited = aliased(InvoiceLine)
    found: dict[int, IncomeCode] = {}
    for part in chunks(list(document_ids)):
        rows = ctx.session.execute(
            select(InvoiceLine.id, InvoiceLine.service_code, Charge.kind, Order.item_code, Subscription.tier)
            .outerjoin(credited, credited.id == InvoiceLine.corrects_line_id)
            .outerjoin(Charge, Charge.id == func.coalesce(InvoiceLine.charge_id, credited.charge_id))
            .outerjoin(Order, Order.id == Charge.order_id)
            .outerjoin(Subscription, Subscription.id == Charge.subscription_id)
            .where(among(ctx.session, InvoiceLine.invoice_id, part)))
        for line_id, service_code, kind, item, tier in rows:
            found[line_id] = income_code(codes, kind, item, tier, service_code)
    return found
