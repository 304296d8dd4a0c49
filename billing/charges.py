"""Raising charges: the one way anything billable enters the ledger.

Every charge has a natural ``source_key``; raising it again is a no-op that
returns the existing charge (so re-running anything never bills twice), and
raising a *different* charge under the same key is refused. The VAT code is
decided here, from the item's code and the customer on the charge's date
(after an academy conversion, charges follow the new customer type).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from billing.bulk import among, chunks, insert_rows
from billing.context import Context, jsonable
from billing.models import AuditEntry, Charge, InvoiceLine, School
from billing.pricebooks import council
from contracts.charge_details import ChargeDetail, dump_detail
from contracts.states import ChargeStatus, move
from pricing.errors import InvalidInput, RuleViolation
from pricing.money import to_pence
from pricing.vat import INTEREST_VAT_CODE, customer_vat_class, vat_code_for


def billed_school(ctx: Context, school: School, on: date) -> School:
    """The customer for a charge on ``on``: an academy's successor record from its conversion date."""
    current = school
    while current.successor_id is not None and current.converted_on is not None and on >= current.converted_on:
        successor = ctx.session.get(School, current.successor_id)
        assert successor is not None
        current = successor
    return current


def vat_code_on(ctx: Context, school: School, item_vat_code: str) -> str:
    """O for the council's own maintained schools (internal recharge), else the item's S or E."""
    if item_vat_code == INTEREST_VAT_CODE:
        return INTEREST_VAT_CODE
    klass = customer_vat_class(school.type, school.la_code, council(ctx).la_code)
    return vat_code_for(item_vat_code, klass)


@dataclass(frozen=True)
class NewCharge:
    school: School
    kind: str
    source_key: str
    service_code: str
    description: str
    due_on: date
    amount: Decimal
    item_vat_code: str  # the price book's code for external customers: S or E (O for interest)
    quantity: Decimal = Decimal("1")
    unit_price: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None
    subscription_id: int | None = None
    order_id: int | None = None
    case_id: int | None = None
    session_id: int | None = None
    late_invoice_id: int | None = None
    note: str | None = None
    detail: ChargeDetail | None = None  # the typed record of where the charge came from (contracts.charge_details)


def _exact_amount(new: NewCharge) -> Decimal:
    amount = to_pence(new.amount)
    if amount != new.amount:
        raise InvalidInput(f"charge {new.source_key}: amount {new.amount} has fractions of a penny")
    if amount < 0:
        raise InvalidInput(f"charge {new.source_key}: amount must not be negative (refunds are credit notes)")
    return amount


def _charge_row(ctx: Context, new: NewCharge, now: datetime) -> tuple[dict[str, Any], School]:
    """The ``charges`` row for a new charge, and the customer it is billed to (§7 VAT code, academy successor)."""
    amount = _exact_amount(new)
    customer = billed_school(ctx, new.school, new.due_on)
    return {
        "school_id": customer.id, "kind": new.kind, "source_key": new.source_key,
        "subscription_id": new.subscription_id, "order_id": new.order_id, "case_id": new.case_id,
        "session_id": new.session_id, "late_invoice_id": new.late_invoice_id,
        "service_code": new.service_code, "description": new.description,
        "period_start": new.period_start, "period_end": new.period_end, "due_on": new.due_on,
        "quantity": new.quantity, "unit_price": new.unit_price if new.unit_price is not None else amount,
        "amount": amount, "vat_code": vat_code_on(ctx, customer, new.item_vat_code), "status": ChargeStatus.DUE,
        "note": new.note, "detail": dump_detail(new.detail), "created_at": now,
    }, customer


def raise_charge(ctx: Context, new: NewCharge) -> Charge:
    """Put a charge on the ledger once; the same key again returns the charge already there."""
    amount = _exact_amount(new)
    existing = ctx.session.scalar(select(Charge).where(Charge.source_key == new.source_key))
    if existing is not None:
        if existing.amount != amount or existing.school_id != billed_school(ctx, new.school, new.due_on).id:
            raise RuleViolation(
                f"charge {new.source_key} was already raised for {existing.amount}; it cannot be raised again differently"
            )
        return existing
    row, customer = _charge_row(ctx, new, ctx.now)
    charge = Charge(**row)
    ctx.session.add(charge)
    ctx.session.flush()
    ctx.audit("charge.raise", "charge", charge.id,
              {"key": charge.source_key, "amount": amount, "due_on": new.due_on, "school": customer.urn})
    return charge


def raise_charges(ctx: Context, news: list[NewCharge]) -> list[Charge]:
    """:func:`raise_charge` for many charges at once: one lookup of existing keys, one batched insert.

    Same rules and audit as raising them one by one (a key already raised
    returns the charge there; raised differently is refused).
    """
    add_charges(ctx, news)
    keys = [new.source_key for new in news]
    found = {c.source_key: c for part in chunks(keys)
             for c in ctx.session.scalars(select(Charge).where(among(ctx.session, Charge.source_key, part)))}
    return [found[key] for key in keys]


def raise_charge_ids(ctx: Context, news: list[NewCharge]) -> list[int]:
    """:func:`raise_charges` returning only the charges' ids: a run raising thousands loads no objects."""
    add_charges(ctx, news)
    keys = [new.source_key for new in news]
    ids = {key: charge_id for part in chunks(keys) for key, charge_id in ctx.session.execute(
        select(Charge.source_key, Charge.id).where(among(ctx.session, Charge.source_key, part)))}
    return [ids[key] for key in keys]


def add_charges(ctx: Context, news: list[NewCharge]) -> int:
    """Put the charges not yet on the ledger onto it, without loading them back; how many were new.

    The rules of :func:`raise_charge` (a key already raised differently is
    refused); a national bill run raises tens of thousands of casework charges
    this way without holding them in the session.
    """
    keys = [new.source_key for new in news]
    existing = {key for part in chunks(keys) for key in ctx.session.scalars(
        select(Charge.source_key).where(among(ctx.session, Charge.source_key, part)))}
    fresh: list[tuple[dict[str, object], School]] = []
    fresh_amounts: dict[str, object] = {}
    now = ctx.now
    for new in news:
        if new.source_key in existing:
            raise_charge(ctx, new)  # refused if raised differently, as one by one
            continue
        if new.source_key in fresh_amounts:  # the same key twice in one call: raised once
            if fresh_amounts[new.source_key] != new.amount:
                raise RuleViolation(f"charge {new.source_key} was raised twice with different amounts")
            continue
        fresh.append(_charge_row(ctx, new, now))
        fresh_amounts[new.source_key] = new.amount
    if not fresh:
        return 0
    ctx.session.flush()  # anything pending goes in first, so the ledger keeps the order things happened
    ids = insert_rows(ctx.session, Charge, [row for row, _ in fresh], return_ids=True)
    audit_many(ctx, [("charge.raise", "charge", new_id,
                      {"key": row["source_key"], "amount": str(row["amount"]),
                       "due_on": row["due_on"].isoformat(),  # type: ignore[attr-defined]
                       "school": customer.urn})
                     for new_id, (row, customer) in zip(ids, fresh, strict=True)], plain=True)
    return len(fresh)


def audit_many(ctx: Context, entries: list[tuple[str, str, object, dict[str, object] | None]],
               plain: bool = False) -> None:
    """:meth:`Context.audit` for many entries in one batched insert (same rows, same order).

    Entries the session still holds are flushed first, so the audit log keeps the
    order in which things happened. ``plain=True`` says the details hold JSON
    values already (strings, numbers, lists), as ``jsonable`` would make them.
    """
    if not entries:
        return
    ctx.session.flush()
    now, actor = ctx.now, ctx.actor
    insert_rows(ctx.session, AuditEntry, [
        {"at": now, "actor": actor, "action": action, "entity": entity, "entity_id": str(entity_id),
         "reason": None, "detail": (detail if plain else jsonable(detail)) if detail else None}
        for action, entity, entity_id, detail in entries
    ])


def is_invoiced(ctx: Context, charge: Charge) -> bool:
    return ctx.session.scalar(select(InvoiceLine.id).where(InvoiceLine.charge_id == charge.id)) is not None


def withdraw_charge(ctx: Context, charge: Charge, reason: str) -> None:
    """Withdraw a charge not yet invoiced (an instalment after a cancellation's end).

    Withdrawing it again changes nothing; a waived charge is refused (IllegalTransition).
    """
    if is_invoiced(ctx, charge):
        raise RuleViolation(f"charge {charge.source_key} is already invoiced; correct it with a credit note")
    if charge.status == ChargeStatus.WITHDRAWN:
        return
    charge.status = move(charge.status, ChargeStatus.WITHDRAWN, f"charge {charge.source_key}")
    ctx.audit("charge.withdraw", "charge", charge.id, {"key": charge.source_key, "amount": charge.amount},
              reason=reason)
