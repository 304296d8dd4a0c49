"""Late-payment interest charges as the team looks them up: `interest list|show` (the ids `interest waive` takes).

A charge's status, from the ledger (billing.interest_run):

- ``due``: raised, not yet on an invoice (the next bill run bills it);
- ``invoiced``: on an interest invoice (``interest_invoice``);
- ``waived``: waived with a reason — before invoicing it is never billed, after it
  a credit note (``waived_by``) cancels what was left of it;
- ``withdrawn``: taken back before invoicing by a recomputation (§8).

``reduced`` is what recomputations took back from it by credit note
(``credit_notes`` lists those and the waiver's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from billing.bulk import among, chunks
from billing.context import Context
from billing.interest_run import interest_detail
from billing.invoicing import get_invoice
from billing.models import Charge, InterestReduction, Invoice, School
from billing.schools import get_school
from billing.views import invoices_of_charges
from contracts.states import ChargeStatus
from pricing.errors import InvalidInput, NotFound
from pricing.money import ZERO

INTEREST_STATUSES = ("due", "invoiced", "waived", "withdrawn")


@dataclass(frozen=True)
class InterestChargeView:
    id: int
    invoice: str
    urn: str
    school: str
    period_start: date | None
    period_end: date | None
    days: int
    amount: Decimal
    status: str
    interest_invoice: str | None
    waived_by: str | None
    reduced: Decimal
    credit_notes: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "invoice": self.invoice, "urn": self.urn, "school": self.school,
                "from": self.period_start, "to": self.period_end, "days": self.days, "amount": self.amount,
                "status": self.status, "interest_invoice": self.interest_invoice, "waived_by": self.waived_by,
                "reduced": self.reduced, "credit_notes": list(self.credit_notes)}


def _status(charge: Charge, interest_invoice: str | None) -> str:
    if charge.status == ChargeStatus.WITHDRAWN:
        return "withdrawn"
    if charge.status == ChargeStatus.WAIVED or interest_detail(charge).waived_by:
        return "waived"
    return "invoiced" if interest_invoice else "due"


def _days(charge: Charge) -> int:
    """The days of interest the charge adds (its detail; older charges kept them as the quantity)."""
    days = interest_detail(charge).days
    return days if days is not None else int(charge.quantity)


def _query() -> Select[Charge, str | None, str, str]:
    late = aliased(Invoice)
    return (select(Charge, late.number, School.urn, School.name)
            .join(School, School.id == Charge.school_id).outerjoin(late, late.id == Charge.late_invoice_id)
            .where(Charge.kind == "interest").order_by(Charge.id))


def list_interest(ctx: Context, urn: str | None = None, invoice: str | None = None,
                  status: str | None = None) -> list[InterestChargeView]:
    """Interest charges in the order they were raised: one school's, one late invoice's, or one status."""
    if status is not None and status not in INTEREST_STATUSES:
        raise InvalidInput(f"status {status!r} must be one of {', '.join(INTEREST_STATUSES)}", code="bad_status")
    stmt = _query()
    if urn is not None:
        stmt = stmt.where(Charge.school_id == get_school(ctx, urn).id)
    if invoice is not None:
        stmt = stmt.where(Charge.late_invoice_id == get_invoice(ctx, invoice).id)
    return [view for view in _views(ctx, stmt) if status is None or view.status == status]


def show_interest(ctx: Context, charge_id: int) -> InterestChargeView:
    """One interest charge (refused when the id is not an interest charge's)."""
    found = _views(ctx, _query().where(Charge.id == charge_id))
    if not found:
        raise NotFound(f"no interest charge {charge_id}", code="unknown_interest")
    return found[0]


def _views(ctx: Context, stmt: Select[Charge, str | None, str, str]) -> list[InterestChargeView]:
    rows = list(ctx.session.execute(stmt))
    ids = [charge.id for charge, *_ in rows]
    billed = invoices_of_charges(ctx, ids)
    reductions: dict[int, list[tuple[Decimal, str]]] = {}
    for part in chunks(ids):
        for charge_id, amount, number in ctx.session.execute(
            select(InterestReduction.charge_id, InterestReduction.amount, Invoice.number)
            .join(Invoice, Invoice.id == InterestReduction.credit_note_id)
            .where(among(ctx.session, InterestReduction.charge_id, part)).order_by(InterestReduction.id)
        ):
            reductions.setdefault(charge_id, []).append((amount, number))
    out = []
    for charge, late_number, school_urn, school_name in rows:
        waived_by = interest_detail(charge).waived_by
        taken = reductions.get(charge.id, [])
        notes = tuple(number for _, number in taken) + ((waived_by,) if waived_by else ())
        out.append(InterestChargeView(
            id=charge.id, invoice=late_number or "", urn=school_urn, school=school_name,
            period_start=charge.period_start, period_end=charge.period_end, days=_days(charge),
            amount=charge.amount, status=_status(charge, billed.get(charge.id)),
            interest_invoice=billed.get(charge.id), waived_by=waived_by or None,
            reduced=sum((amount for amount, _ in taken), ZERO), credit_notes=notes))
    return out
