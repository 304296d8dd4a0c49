"""Reminders already sent, as the team looks them up: `reminders list`.

One row per invoice and level (7, 30 or 60 days past due) that a reminder run
recorded, with the day it went out and what was outstanding on it then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.context import Context
from billing.invoicing import get_invoice
from billing.models import Invoice, Reminder, School
from billing.schools import get_school
from billing.views import check_range


@dataclass(frozen=True)
class ReminderView:
    id: int
    urn: str
    school: str
    invoice: str
    due: date | None
    level: int
    sent: date
    outstanding: Decimal

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "urn": self.urn, "school": self.school, "invoice": self.invoice, "due": self.due,
                "level": self.level, "sent": self.sent, "outstanding": self.outstanding}


def list_reminders(ctx: Context, urn: str | None = None, invoice: str | None = None,
                   start: date | None = None, end: date | None = None) -> list[ReminderView]:
    """Reminders sent, in the order they went out: one school's, one invoice's, or sent from/to a day."""
    check_range(start, end)
    stmt = (select(Reminder, Invoice.number, Invoice.due_on, School.urn, School.name)
            .join(Invoice, Invoice.id == Reminder.invoice_id).join(School, School.id == Invoice.school_id)
            .order_by(Reminder.sent_on, School.urn, Reminder.level, Invoice.number))
    if urn is not None:
        stmt = stmt.where(Invoice.school_id == get_school(ctx, urn).id)
    if invoice is not None:
        stmt = stmt.where(Reminder.invoice_id == get_invoice(ctx, invoice).id)
    if start is not None:
        stmt = stmt.where(Reminder.sent_on >= start)
    if end is not None:
        stmt = stmt.where(Reminder.sent_on <= end)
    return [ReminderView(r.id, school_urn, name, number, due, r.level, r.sent_on, r.outstanding)
            for r, number, due, school_urn, name in ctx.session.execute(stmt)]
