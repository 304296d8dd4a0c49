"""Read-only views of the records the team looks up: schools and their contacts, subscriptions,
orders, cases, sessions, staff, invoices, credit notes, interest charges, reminders sent and
bill runs.

Each module answers "which records, and what do they say" with typed, frozen rows
(``as_json()`` gives the command line's JSON: money as ``Decimal``, printed as
strings) and never writes. A record asked for by id or number that does not
exist is refused with :class:`pricing.errors.NotFound` naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing.bulk import among, chunks
from billing.context import Context
from billing.models import Charge, Invoice, InvoiceLine
from contracts.states import ChargeStatus
from pricing.clock import start_of_day_utc
from pricing.errors import InvalidInput


def invoices_of_charges(ctx: Context, charge_ids: Iterable[int]) -> dict[int, str]:
    """The number of the invoice each invoiced charge sits on (charges not yet invoiced are absent)."""
    found: dict[int, str] = {}
    for part in chunks(sorted(set(charge_ids))):
        for charge_id, number in ctx.session.execute(
                select(InvoiceLine.charge_id, Invoice.number).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                .where(among(ctx.session, InvoiceLine.charge_id, part))):
            if charge_id is not None:
                found[charge_id] = number
    return found


def check_range(start: date | None, end: date | None) -> None:
    """Refuse a ``--from``/``--to`` range that ends before it starts."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"--to {end.isoformat()} is before --from {start.isoformat()}", code="bad_range")


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """``[start, end]`` as London days turned into UTC instants ``[from, until)``; refused if reversed."""
    check_range(start, end)
    return (start_of_day_utc(start) if start else None,
            start_of_day_utc(date.fromordinal(end.toordinal() + 1)) if end else None)


@dataclass(frozen=True)
class ChargeView:
    """A charge on a case or an order: ``status`` is due, invoiced (on ``invoice``), withdrawn or waived."""

    id: int
    description: str
    period_start: date | None
    period_end: date | None
    due: date
    amount: Decimal
    status: str
    invoice: str | None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "description": self.description, "period_start": self.period_start,
                "period_end": self.period_end, "due": self.due, "amount": self.amount, "status": self.status,
                "invoice": self.invoice}


def charge_views(ctx: Context, charges: Sequence[Charge]) -> list[ChargeView]:
    invoiced = invoices_of_charges(ctx, [c.id for c in charges])
    return [ChargeView(c.id, c.description, c.period_start, c.period_end, c.due_on, c.amount,
                       "invoiced" if c.status == ChargeStatus.DUE and c.id in invoiced else c.status, invoiced.get(c.id))
            for c in charges]
