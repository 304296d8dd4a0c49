"""Aged debt across all schools: what is owed, by how long past due (domain-rules §9).

Two set-based queries (outstanding per invoice by grouped sub-queries, and the
open invoices with their schools), however many schools there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.balances import invoice_outstanding
from billing.context import Context
from billing.models import Invoice, School
from billing.statements import age_bucket
from invoices.documents import AGEING_BUCKETS
from pricing.money import ZERO

COLUMNS = ("current", *AGEING_BUCKETS)


@dataclass
class SchoolDebt:
    urn: str
    name: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: {c: ZERO for c in COLUMNS})
    invoices: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    def as_json(self) -> dict[str, object]:
        return {"urn": self.urn, "name": self.name, **self.buckets, "total": self.total, "invoices": self.invoices}


@dataclass(frozen=True)
class AgedDebt:
    as_of: date
    schools: list[SchoolDebt]

    @property
    def totals(self) -> dict[str, Decimal]:
        return {c: sum((s.buckets[c] for s in self.schools), ZERO) for c in COLUMNS}

    def as_json(self) -> dict[str, object]:
        totals = self.totals
        return {"as_of": self.as_of, "schools": [s.as_json() for s in self.schools],
                "totals": {**totals, "total": sum(totals.values(), ZERO)}}


def aged_debt(ctx: Context, as_of: date | None = None) -> AgedDebt:
    """Outstanding per school: not yet due ("current"), then 0-30, 31-60, 61-90, 90+ days past due (§9)."""
    on = as_of or ctx.today
    outstanding = {i: v for i, v in invoice_outstanding(ctx.session).items() if v > 0}
    if not outstanding:
        return AgedDebt(on, [])
    rows = ctx.session.execute(
        select(Invoice.id, Invoice.due_on, Invoice.issued_on, School.urn, School.name)
        .join(School, School.id == Invoice.school_id)
        .where(Invoice.kind == "invoice", Invoice.id.in_(list(outstanding)))
    )
    by_school: dict[str, SchoolDebt] = {}
    for inv_id, due_on, issued_on, urn, name in rows:
        debt = by_school.setdefault(urn, SchoolDebt(urn, name))
        days = (on - (due_on or issued_on)).days
        debt.buckets["current" if days <= 0 else age_bucket(days)] += outstanding[inv_id]
        debt.invoices += 1
    schools = sorted(by_school.values(), key=lambda s: (-s.total, s.urn))
    return AgedDebt(on, schools)
