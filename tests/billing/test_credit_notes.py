"""Credit notes (domain-rules §7): name their invoice, never exceed what is left, VAT at the original rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from billing.invoicing import credited_so_far, get_invoice, issue_credit_note, issue_invoice
from billing.models import AuditEntry
from billing.schools import get_school
from pricing.errors import InvalidInput, NotFound, RuleViolation
from tests.billing.test_bill_run import ACADEMY, SEP1, casework, run, setup_council
from tests.support import service_context, table_dump

OCT1 = date(2025, 10, 1)


def _mixed_invoice(engine: Engine) -> str:
    """An academy invoice with a standard-rated line (1000.00 + 200.00) and an exempt one (500.00)."""
    setup_council(engine)
    with service_context(engine, SEP1) as ctx:
        s = casework(ctx, ACADEMY, "c/s", Decimal("1"), SEP1, day_rate=Decimal("1000.00"))
        e = casework(ctx, ACADEMY, "c/e", Decimal("1"), SEP1, day_rate=Decimal("500.00"))
        e.vat_code = "E"
        return issue_invoice(ctx, get_school(ctx, ACADEMY), [s, e]).number


def test_a_partial_credit_is_shared_over_the_lines_at_their_own_vat_rates(engine: Engine) -> None:
    number = _mixed_invoice(engine)
    with service_context(engine, OCT1) as ctx:
        note = issue_credit_note(ctx, number, Decimal("340.00"), "two hours not delivered")
        # 340 shared 1200:500 → 240.00 (S: 200.00 + 40.00 VAT) and 100.00 (E, no VAT)
        assert [(ln.description, ln.vat_code, ln.vat_rate, ln.net, ln.vat, ln.total) for ln in note.lines] == [
            ("Credit: Extra casework, case c/s: 1 days", "S", Decimal("20.00"), Decimal("200.00"), Decimal("40.00"),
             Decimal("240.00")),
            ("Credit: Extra casework, case c/e: 1 days", "E", Decimal("0.00"), Decimal("100.00"), Decimal("0.00"),
             Decimal("100.00")),
        ]
        original = get_invoice(ctx, number)
        assert [ln.corrects_line_id for ln in note.lines] == [ln.id for ln in original.lines]
        assert (note.kind, note.number, note.corrects_id, note.issued_on, note.due_on) == (
            "credit_note", "CN-000001", original.id, OCT1, None)
        assert (note.net, note.vat, note.total) == (Decimal("300.00"), Decimal("40.00"), Decimal("340.00"))
        entry = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "credit_note.issue")).one()
        assert (entry.entity_id, entry.reason) == ("CN-000001", "two hours not delivered")


def test_credits_never_exceed_what_is_left_on_the_invoice(engine: Engine) -> None:
    number = _mixed_invoice(engine)  # total 1700.00
    with service_context(engine, OCT1) as ctx:
        issue_credit_note(ctx, number, Decimal("1000.00"), "first correction")
    before = table_dump(engine)
    with pytest.raises(RuleViolation, match="more than the 700.00 left"), service_context(engine, OCT1) as ctx:
        issue_credit_note(ctx, number, Decimal("700.01"), "too much")
    assert table_dump(engine) == before
    with service_context(engine, OCT1) as ctx:
        assert issue_credit_note(ctx, number, Decimal("700.00"), "the rest").number == "CN-000002"


@pytest.mark.parametrize("amount, reason, error", [
    (Decimal("0.00"), "nothing", InvalidInput),
    (Decimal("-5.00"), "negative", InvalidInput),
    (Decimal("5.00"), "   ", InvalidInput),
])
def test_bad_credits_are_refused(engine: Engine, amount: Decimal, reason: str, error: type[Exception]) -> None:
    number = _mixed_invoice(engine)
    with pytest.raises(error), service_context(engine, OCT1) as ctx:
        issue_credit_note(ctx, number, amount, reason)


def test_a_credit_note_cannot_itself_be_credited_and_unknown_numbers_are_refused(engine: Engine) -> None:
    number = _mixed_invoice(engine)
    with service_context(engine, OCT1) as ctx:
        issue_credit_note(ctx, number, Decimal("10.00"), "fix")
    with pytest.raises(RuleViolation, match="is a credit note"), service_context(engine, OCT1) as ctx:
        issue_credit_note(ctx, "CN-000001", Decimal("1.00"), "fix the fix")
    with pytest.raises(NotFound), service_context(engine, OCT1) as ctx:
        issue_credit_note(ctx, "INV-999999", Decimal("1.00"), "nothing there")


def test_credit_notes_are_numbered_apart_from_invoices(engine: Engine) -> None:
    setup_council(engine)
    run(engine, SEP1)
    with service_context(engine, OCT1) as ctx:
        assert issue_credit_note(ctx, "INV-000002", Decimal("1280.00"), "raised in error").number == "CN-000001"
    result = run(engine, date(2026, 1, 1))
    assert [i.number for i in result.invoices] == ["INV-000003"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pence=st.integers(min_value=1, max_value=170000))
def test_any_credit_adds_up_and_keeps_vat_at_the_original_rate(engine: Engine, pence: int) -> None:
    # Hypothesis reuses the database across examples: set the invoice up once.
    with service_context(engine, SEP1) as ctx:
        ready = ctx.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "invoice.issue")) is not None
    number = "INV-000001" if ready else _mixed_invoice(engine)
    amount = Decimal(pence) / 100
    with service_context(engine, OCT1) as ctx:
        original = get_invoice(ctx, number)
        left = original.total - credited_so_far(ctx, original)
        if amount > left:
            with pytest.raises(RuleViolation):
                issue_credit_note(ctx, number, amount, "property")
            return
        note = issue_credit_note(ctx, number, amount, "property")
        assert note.total == amount == sum(ln.total for ln in note.lines)
        for ln in note.lines:
            assert ln.net + ln.vat == ln.total
            assert ln.vat_rate in (Decimal("20.00"), Decimal("0.00"))
            if ln.vat_code == "E":
                assert ln.vat == 0


def test_a_credit_on_a_paid_invoice_becomes_refundable_account_credit(engine: Engine) -> None:
    from billing.balances import invoice_outstanding
    from billing.payments import account_credit, record_payment, refund_credit

    number = _mixed_invoice(engine)  # total 1700.00
    with service_context(engine, OCT1) as ctx:
        record_payment(ctx, ACADEMY, Decimal("1700.00"), OCT1, "bacs", [number])
        assert account_credit(ctx, ACADEMY) == Decimal("0.00")
    with service_context(engine, OCT1) as ctx:
        issue_credit_note(ctx, number, Decimal("340.00"), "two hours not delivered")
    with service_context(engine, OCT1) as ctx:
        invoice = get_invoice(ctx, number)
        # The invoice owes nothing (not -340.00); the 340.00 is the school's to refund or reuse.
        assert invoice_outstanding(ctx.session, [invoice.id])[invoice.id] == Decimal("0.00")
        assert account_credit(ctx, ACADEMY) == Decimal("340.00")
        refund_credit(ctx, ACADEMY, Decimal("340.00"), OCT1, "refund of the credit note")
        assert account_credit(ctx, ACADEMY) == Decimal("0.00")
        released = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.release")).one()
        assert released.detail == {"invoice": number, "released": "340.00", "allocated_before": "1700.00",
                                   "credit_note": "CN-000001"}


def test_a_reason_is_one_line_of_at_most_500_characters_because_the_school_reads_it(engine: Engine) -> None:
    """Issue 14: a reason is printed on the credit note and the school's statement."""
    number = _mixed_invoice(engine)
    before = table_dump(engine)
    for reason, message in [
        ("x" * 501, "credit note reason is 501 characters long: at most 500 are allowed"),
        ("Raised in error\nJamie Smith (DOB 02/03/2014)",
         r"credit note reason has a line break (\n) at character 16: only one line of plain text is allowed"),
        ("Raised in error\x1b[8m", r"credit note reason has an escape (terminal control) (\x1b) at character 16: "
                                   "only one line of plain text is allowed"),
    ]:
        with pytest.raises(InvalidInput) as refused, service_context(engine, OCT1) as ctx:
            issue_credit_note(ctx, number, Decimal("10.00"), reason)
        assert refused.value.message == message
    assert table_dump(engine) == before
    with service_context(engine, OCT1) as ctx:
        assert issue_credit_note(ctx, number, Decimal("10.00"), " " + "y" * 500 + " ").reason == "y" * 500
