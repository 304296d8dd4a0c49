"""Whole-ledger invariants the reliability tests assert after crashes, races and random operations.

Each check reads the database afresh and returns nothing; a broken invariant
fails with an assertion naming the records involved.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, func, select

from billing.models import Allocation, Charge, Invoice, InvoiceLine, NumberSequence, Payment, School

ZERO = Decimal("0.00")


def assert_gap_free(engine: Engine, series: str) -> int:
    """Numbers of ``series`` are exactly 1..n and the counter points at n + 1 (§7); returns n."""
    with engine.connect() as conn:
        seqs = sorted(conn.scalars(select(Invoice.seq).where(Invoice.series == series)))
        counter = conn.scalar(select(NumberSequence.next_value).where(NumberSequence.series == series))
    assert seqs == list(range(1, len(seqs) + 1)), f"{series} numbers are not 1..{len(seqs)}: {seqs}"
    if seqs:
        assert counter == len(seqs) + 1, f"{series} counter at {counter} after {len(seqs)} documents"
    return len(seqs)


def assert_documents_add_up(engine: Engine) -> None:
    """Every document's net/VAT/total equal the sums of its lines, and each line's total = net + VAT."""
    with engine.connect() as conn:
        docs = {d.id: d for d in conn.execute(select(Invoice.id, Invoice.number, Invoice.net, Invoice.vat,
                                                        Invoice.total))}
        sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
        for line in conn.execute(select(InvoiceLine.invoice_id, InvoiceLine.net, InvoiceLine.vat,
                                        InvoiceLine.total, InvoiceLine.id)):
            assert line.total == line.net + line.vat, f"invoice line {line.id}: {line.net} + {line.vat} != {line.total}"
            s = sums[line.invoice_id]
            s[0] += line.net
            s[1] += line.vat
            s[2] += line.total
    for doc in docs.values():
        net, vat, total = sums[doc.id]
        assert (doc.net, doc.vat, doc.total) == (net, vat, total), (
            f"{doc.number}: document says {doc.net}/{doc.vat}/{doc.total}, lines add to {net}/{vat}/{total}")
        assert doc.total == doc.net + doc.vat, f"{doc.number}: {doc.net} + {doc.vat} != {doc.total}"


def assert_charges_invoiced_once(engine: Engine, through: date, *, all_due_invoiced: bool) -> None:
    """No charge on two invoice lines; each invoiced charge was due by ``through`` and its line's
    net is the charge's amount to the penny; with ``all_due_invoiced`` every due charge is on one."""
    with engine.connect() as conn:
        per_charge = dict(conn.execute(
            select(InvoiceLine.charge_id, func.count()).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(InvoiceLine.charge_id.is_not(None), Invoice.kind == "invoice").group_by(InvoiceLine.charge_id)
        ).all())
        twice = {c: n for c, n in per_charge.items() if n != 1}
        assert not twice, f"charges on more than one invoice line: {twice}"
        rows = conn.execute(
            select(Charge.id, Charge.amount, Charge.due_on, Charge.status, InvoiceLine.net)
            .join(InvoiceLine, InvoiceLine.charge_id == Charge.id)
        ).all()
        for r in rows:
            assert r.due_on <= through, f"charge {r.id} due {r.due_on} was invoiced by {through}"
            assert r.net == r.amount, f"charge {r.id} of {r.amount} invoiced as {r.net}"
        if all_due_invoiced:
            due = set(conn.scalars(select(Charge.id).where(Charge.status == "due", Charge.due_on <= through)))
            missing = due - set(per_charge)
            assert not missing, f"due charges on no invoice: {sorted(missing)}"


def assert_allocations_sound(engine: Engine) -> None:
    """Σ allocations of a payment ≤ its amount; an invoice is never allocated beyond its total less credit."""
    with engine.connect() as conn:
        paid = dict(conn.execute(select(Payment.id, Payment.amount)).all())
        per_payment = dict(conn.execute(
            select(Allocation.payment_id, func.sum(Allocation.amount)).group_by(Allocation.payment_id)).all())
        per_invoice = dict(conn.execute(
            select(Allocation.invoice_id, func.sum(Allocation.amount)).group_by(Allocation.invoice_id)).all())
        totals = dict(conn.execute(select(Invoice.id, Invoice.total).where(Invoice.kind == "invoice")).all())
        credited = dict(conn.execute(
            select(Invoice.corrects_id, func.sum(Invoice.total)).where(Invoice.kind != "invoice")
            .group_by(Invoice.corrects_id)).all())
        negative = conn.scalar(select(func.count()).select_from(Allocation).where(Allocation.amount <= 0))
    assert negative == 0, f"{negative} allocations of zero or less"
    for pid, amount in per_payment.items():
        assert Decimal(amount) <= paid[pid], f"payment {pid} of {paid[pid]} allocated {amount}"
    for iid, amount in per_invoice.items():
        assert iid in totals, f"allocation to document {iid}, which is not an invoice"
        limit = totals[iid] - Decimal(credited.get(iid) or ZERO)
        assert Decimal(amount) <= limit, f"invoice {iid} (total less credit {limit}) allocated {amount}"


def schools(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(School.urn).order_by(School.urn)))
