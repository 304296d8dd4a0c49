"""An invoice's balance over time: the movements dated on or before each day (domain-rules §8).

The balance outstanding on a day counts payments by the day they were applied
to the invoice (a payment's received date; account credit on the day it was
applied) and credit notes by their own date. Money a credit note later freed
from a paid invoice (``AllocationRelease``) still counts as paid from the day
it was first applied: the balance is never below zero and the surplus became
account credit on the credit note's date, so a credit note never makes a paid
invoice look unpaid back in time. Interest (billing.interest_run) reads this.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from billing.bulk import among
from billing.context import Context
from billing.models import Allocation, AllocationRelease, Invoice
from pricing.interest import BalanceChange


def balance_changes(ctx: Context, invoice_ids: list[int]) -> dict[int, list[BalanceChange]]:
    """Per invoice: money applied (payments, released money, by the day applied) and credit notes, as negatives."""
    changes: dict[int, list[BalanceChange]] = defaultdict(list)
    if not invoice_ids:
        return changes
    session = ctx.session
    for model, column, on in (
        (Allocation, Allocation.invoice_id, Allocation.allocated_on),
        (AllocationRelease, AllocationRelease.invoice_id, AllocationRelease.applied_on),
    ):
        for invoice_id, day, amount in session.execute(
            select(column, on, model.amount).where(among(session, column, invoice_ids))
        ):
            changes[invoice_id].append(BalanceChange(day, -amount))
    for corrected, day, amount in session.execute(
        select(Invoice.corrects_id, Invoice.issued_on, Invoice.total)
        .where(Invoice.kind == "credit_note", among(session, Invoice.corrects_id, invoice_ids))
    ):
        if corrected is not None:  # always set on a credit note (a CHECK constraint): for the type checker
            changes[corrected].append(BalanceChange(day, -amount))
    return changes
