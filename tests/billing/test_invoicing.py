"""Issuing invoices: frozen snapshots, per-line VAT at the dated rate, immutability, balances (§7, §8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event, select

from billing.balances import invoice_outstanding, invoice_status
from billing.invoicing import get_invoice, issue_invoice, refuse_alteration
from billing.models import Allocation, AuditEntry, Charge, Invoice, Payment
from billing.schools import get_school
from pricing.errors import RuleViolation
from tests.billing.test_bill_run import ACADEMY, MAINTAINED, SEP1, casework, run, setup_council
from tests.support import service_context, table_dump


def _pay(engine: Engine, number: str, amount: str, on: date) -> None:
    with service_context(engine, on) as ctx:
        inv = get_invoice(ctx, number)
        payment = Payment(school_id=inv.school_id, amount=Decimal(amount), received_on=on, method="bacs",
                          created_at=ctx.now, actor="test")
        ctx.session.add(payment)
        ctx.session.flush()
        ctx.session.add(Allocation(payment_id=payment.id, invoice_id=inv.id, amount=Decimal(amount),
                                   allocated_on=on, created_at=ctx.now))


def test_the_customer_snapshot_is_frozen_at_issue(engine: Engine) -> None:
    setup_council(engine)
    run(engine, SEP1)
    with service_context(engine, date(2025, 10, 1)) as ctx:
        get_school(ctx, ACADEMY).name = "Renamed Academy Trust"
    with service_context(engine, date(2025, 10, 1)) as ctx:
        inv = get_invoice(ctx, "INV-000002")
        assert inv.customer == {"name": "Mossbourne Community Academy", "address": "1 Downs Park Road\nLondon\nE5 8JY",
                                "urn": ACADEMY, "type": "academy", "email": None, "earns_interest": True}
        # The terms as issued: the council's own maintained school is charged no interest (§8).
        assert get_invoice(ctx, "INV-000001").customer["earns_interest"] is False


def test_vat_is_rounded_per_line_half_up(engine: Engine) -> None:
    setup_council(engine)
    with service_context(engine, SEP1) as ctx:
        # 0.5 day at 0.05 → net 0.03 (rounded upstream) and 0.03 × 20% = 0.006 → VAT 0.01 on each line
        a = casework(ctx, ACADEMY, "c/1", Decimal("1"), SEP1, day_rate=Decimal("0.03"))
        b = casework(ctx, ACADEMY, "c/2", Decimal("1"), SEP1, day_rate=Decimal("0.03"))
        inv = issue_invoice(ctx, get_school(ctx, ACADEMY), [a, b])
        assert [(ln.net, ln.vat, ln.total) for ln in inv.lines] == [
            (Decimal("0.03"), Decimal("0.01"), Decimal("0.04"))] * 2
        assert (inv.net, inv.vat, inv.total) == (Decimal("0.06"), Decimal("0.02"), Decimal("0.08"))


def test_the_vat_rate_is_the_one_in_force_on_the_issue_date(engine: Engine) -> None:
    setup_council(engine)
    with service_context(engine, date(2010, 6, 1)) as ctx:
        charge = casework(ctx, ACADEMY, "c/2010", Decimal("1"), date(2010, 6, 1), day_rate=Decimal("100.00"))
        inv = issue_invoice(ctx, get_school(ctx, ACADEMY), [charge])
        assert (inv.lines[0].vat_rate, inv.vat, inv.total) == (Decimal("17.50"), Decimal("17.50"), Decimal("117.50"))


def test_an_issued_invoice_cannot_be_altered_and_the_attempt_is_audited(engine: Engine) -> None:
    setup_council(engine)
    run(engine, SEP1)
    before = table_dump(engine)
    with pytest.raises(RuleViolation, match='Invoice "INV-000001" is issued and cannot be changed'), \
            service_context(engine, date(2025, 9, 2)) as ctx:
        refuse_alteration(ctx, "inv-000001", "void")
    after = table_dump(engine)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
    with service_context(engine, date(2025, 9, 2)) as ctx:
        entry = ctx.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        assert (entry.action, entry.entity_id, entry.detail) == ("invoice.alteration_refused", "INV-000001",
                                                                 {"attempt": "void"})


def test_outstanding_is_total_less_credits_and_payments_in_one_query(engine: Engine) -> None:
    from billing.invoicing import issue_credit_note

    setup_council(engine)
    run(engine, SEP1)
    _pay(engine, "INV-000002", "280.00", date(2025, 9, 20))
    with service_context(engine, date(2025, 9, 21)) as ctx:
        issue_credit_note(ctx, "INV-000002", Decimal("100.00"), "one session not delivered")
    with service_context(engine, date(2025, 9, 21)) as ctx:
        statements: list[str] = []
        conn = ctx.session.connection()
        event.listen(conn, "before_cursor_execute", lambda *a: statements.append(a[2]))
        owed = invoice_outstanding(ctx.session)
        assert len(statements) == 1
        ids = {i.number: i.id for i in ctx.session.scalars(select(Invoice))}
        assert owed == {ids["INV-000001"]: Decimal("12000.00"), ids["INV-000002"]: Decimal("900.00")}
        assert invoice_outstanding(ctx.session, [ids["INV-000002"]]) == {ids["INV-000002"]: Decimal("900.00")}


def test_status_follows_the_balance_and_the_due_date(engine: Engine) -> None:
    from billing.invoicing import issue_credit_note

    setup_council(engine)
    run(engine, SEP1)
    _pay(engine, "INV-000002", "1280.00", date(2025, 9, 20))
    with service_context(engine, date(2025, 10, 2)) as ctx:
        issue_credit_note(ctx, "INV-000001", Decimal("12000.00"), "subscription raised in error")
    with service_context(engine, date(2025, 10, 1)) as ctx:
        paid, credited = get_invoice(ctx, "INV-000002"), get_invoice(ctx, "INV-000001")
        owed = invoice_outstanding(ctx.session)
        assert invoice_status(paid, owed[paid.id], date(2025, 12, 1)) == "paid"
        assert invoice_status(credited, owed[credited.id], date(2025, 12, 1)) == "credited"
        assert invoice_status(credited, Decimal("12000.00"), date(2025, 10, 1)) == "issued"  # due 1 Oct
        assert invoice_status(credited, Decimal("1.00"), date(2025, 10, 2)) == "overdue"


def test_issuing_refuses_a_charge_that_is_not_due(engine: Engine) -> None:
    setup_council(engine)
    with pytest.raises(RuleViolation), service_context(engine, SEP1) as ctx:
        charge = ctx.session.scalars(select(Charge).where(Charge.school_id == get_school(ctx, MAINTAINED).id)).one()
        charge.status = "waived"
        issue_invoice(ctx, get_school(ctx, MAINTAINED), [charge])
