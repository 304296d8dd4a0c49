"""Bad debts written off, as finance looks them up: `invoice write-offs` (issue 20).

Each write-off with the invoice it wrote off, the amount (and the VAT within it,
for a bad-debt relief claim), when, why, who approved it and who recorded it, in
the order they were issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import aliased

from billing.context import Context
from billing.models import Invoice
from billing.schools import get_school
from pricing.errors import InvalidInput
from pricing.money import ZERO


@dataclass(frozen=True)
class WriteOffView:
    number: str
    written_off: date
    invoice: str
    invoice_issued: date
    urn: str
    school: str
    amount: Decimal
    vat: Decimal
    reason: str
    approved_by: str
    recorded_by: str
    recorded_at: datetime

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "date": self.written_off, "invoice": self.invoice,
                "invoice_issued": self.invoice_issued, "urn": self.urn, "school": self.school,
                "amount": self.amount, "vat": self.vat, "reason": self.reason, "approved_by": self.approved_by,
                "recorded_by": self.recorded_by, "recorded_at": self.recorded_at}


def list_write_offs(ctx: Context, urn: str | None = None, start: date | None = None,
                    end: date | None = None) -> list[WriteOffView]:
    """Write-offs dated ``start``..``end`` (either open), one school's or all, in number order."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"--to {end.isoformat()} is before --from {start.isoformat()}")
    written = aliased(Invoice)
    stmt = (select(Invoice, written.number, written.issued_on).join(written, written.id == Invoice.corrects_id)
            .where(Invoice.kind == "credit_note", Invoice.purpose == "write_off").order_by(Invoice.seq))
    if urn is not None:
        stmt = stmt.where(Invoice.school_id == get_school(ctx, urn).id)
    if start is not None:
        stmt = stmt.where(Invoice.issued_on >= start)
    if end is not None:
        stmt = stmt.where(Invoice.issued_on <= end)
    return [WriteOffView(doc.number, doc.issued_on, number, issued, str(doc.customer.urn), doc.customer.name,
                         doc.total, doc.vat, doc.reason or "", doc.approved_by or "", doc.actor, doc.created_at)
            for doc, number, issued in ctx.session.execute(stmt)]


def total_written_off(rows: list[WriteOffView]) -> Decimal:
    return sum((row.amount for row in rows), ZERO)
