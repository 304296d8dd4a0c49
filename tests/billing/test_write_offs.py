"""Writing off a bad debt (issue 20, docs/rules.md §7): a credit document in its own series, at most
the balance outstanding, approved by someone else, audited; the debt leaves the balance, interest,
aged debt and the statement says "Written off"."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from billing.aged_debt import aged_debt
from billing.balances import invoice_outstanding
from billing.documents import to_document, write_pdf
from billing.invoice_history import balance_changes
from billing.invoicing import get_invoice, issue_credit_note
from billing.models import AuditEntry, Invoice
from billing.payments import record_payment
from billing.statements import school_statement
from billing.views.write_offs import list_write_offs, total_written_off
from billing.write_offs import write_off
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.interest import BalanceChange
from tests.billing.test_bill_run import ACADEMY, MAINTAINED, SEP1, run, setup_council
from tests.support import service_context, table_dump

OCT10 = date(2025, 10, 10)
FEB1 = date(2026, 2, 1)
REASON = "School closed; the liquidator paid nothing"
FINANCE = "Head of Finance"


def billed(engine: Engine, paid: Decimal | None = Decimal("280.00")) -> str:
    """The academy's autumn invoice, 1,066.67 + 213.33 VAT = 1,280.00 due 2025-10-01, part paid 2025-10-10."""
    setup_council(engine)
    result = run(engine, SEP1)
    [number] = [i.number for i in result.invoices if i.urn == ACADEMY]
    if paid is not None:
        with service_context(engine, OCT10) as ctx:
            record_payment(ctx, ACADEMY, paid, OCT10, "bacs", [number])
    return number


def test_the_whole_balance_is_written_off_by_default(engine: Engine) -> None:
    number = billed(engine)
    with service_context(engine, FEB1) as ctx:
        doc = write_off(ctx, number, REASON, FINANCE)
        original = get_invoice(ctx, number)
        assert (doc.kind, doc.purpose, doc.number, doc.series, doc.corrects_id, doc.issued_on, doc.due_on) == (
            "credit_note", "write_off", "WO-000001", "WO", original.id, FEB1, None)
        assert (doc.reason, doc.approved_by, doc.actor) == (REASON, FINANCE, "test")
        # 1280.00 − 280.00 paid = 1000.00 written off; the VAT within it 1000 × 20/120 = 166.666… → 166.67
        assert (doc.net, doc.vat, doc.total) == (Decimal("833.33"), Decimal("166.67"), Decimal("1000.00"))
        assert [(ln.description, ln.vat_code, ln.total) for ln in doc.lines] == [
            ("Written off: Initial subscription 2025/26, autumn term", "S", Decimal("1000.00"))]
        assert invoice_outstanding(ctx.session, [original.id]) == {original.id: Decimal("0.00")}
        entry = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.write_off")).one()
        assert (entry.entity_id, entry.reason, entry.actor) == ("WO-000001", REASON, "test")
        assert entry.detail is not None
        assert (entry.detail["invoice"], entry.detail["total"], entry.detail["approved_by"]) == (
            number, "1000.00", FINANCE)


def test_part_then_the_rest_numbered_without_gaps_apart_from_credit_notes(engine: Engine) -> None:
    number = billed(engine)
    with service_context(engine, FEB1) as ctx:
        first = write_off(ctx, number, "Disputed days", FINANCE, Decimal("400.00"))
        note = issue_credit_note(ctx, number, Decimal("100.00"), "One day charged twice")
        rest = write_off(ctx, number, REASON, FINANCE)
        # 1000.00 outstanding − 400.00 − 100.00 = 500.00 left for the second write-off
        assert [(d.number, d.total) for d in (first, note, rest)] == [
            ("WO-000001", Decimal("400.00")), ("CN-000001", Decimal("100.00")), ("WO-000002", Decimal("500.00"))]
        assert note.purpose == "standard" and note.approved_by is None


def test_the_balance_for_interest_falls_from_the_write_off_date(engine: Engine) -> None:
    number = billed(engine)
    with service_context(engine, FEB1) as ctx:
        write_off(ctx, number, REASON, FINANCE)
        original = get_invoice(ctx, number)
        assert sorted(balance_changes(ctx, [original.id])[original.id], key=lambda c: c.on) == [
            BalanceChange(OCT10, Decimal("-280.00")), BalanceChange(FEB1, Decimal("-1000.00"))]


def test_interest_stops_at_the_write_off(engine: Engine) -> None:
    from billing.interest_run import run_interest

    number = billed(engine)
    with service_context(engine, FEB1) as ctx:
        # A change counts for its own day and moves the balance from the next: 9 days at 1280.00
        # (2-10 October), then 114 at 1000.00 (11 October to 1 February):
        # 1280 × 0.24 × 9/365 + 1000 × 0.24 × 114/365 = 7.5748 + 74.9589 = 82.5337 → 82.53
        assert run_interest(ctx).total == Decimal("82.53")
    with service_context(engine, FEB1) as ctx:
        write_off(ctx, number, REASON, FINANCE)  # from 2 February nothing is owed, so nothing more accrues
    with service_context(engine, date(2026, 3, 1)) as ctx:
        assert run_interest(ctx).charges == []


JAN1 = date(2026, 1, 1)


@pytest.mark.parametrize(("before", "not_invoiced", "not_raised"), [
    # No run yet: 9 days at 1280.00 (2-10 October) then 114 at 1000.00 (11 October to 1 February):
    # 1280 × 0.24 × 9/365 + 1000 × 0.24 × 114/365 = 7.5748 + 74.9589 = 82.5337 → 82.53, none of it raised.
    ("none", "82.53", "82.53"),
    # A run on 1 January raised 9 days at 1280.00 then 83 at 1000.00 (11 October to 1 January):
    # 7.5748 + 54.5753 = 62.1501 → 62.15; the 31 days to 1 February are 82.53 − 62.15 = 20.38 not yet raised.
    ("run", "82.53", "20.38"),
    # ... and a bill run the same day invoiced the 62.15: only the 20.38 is on no invoice.
    ("billed", "20.38", "20.38"),
])
def test_the_write_off_says_what_interest_is_still_to_be_billed(engine: Engine, before: str, not_invoiced: str,
                                                                 not_raised: str) -> None:
    from billing.interest_run import run_interest
    from billing.write_offs import write_off_debt

    number = billed(engine)
    if before != "none":
        with service_context(engine, JAN1) as ctx:
            assert run_interest(ctx).total == Decimal("62.15")
        if before == "billed":
            run(engine, JAN1)
    with service_context(engine, FEB1) as ctx:
        done = write_off_debt(ctx, number, REASON, FINANCE)
        assert (done.document.number, done.invoice, done.document.total) == ("WO-000001", number, Decimal("1000.00"))
        assert (done.interest_not_invoiced, done.interest_not_raised) == (Decimal(not_invoiced), Decimal(not_raised))
    with service_context(engine, date(2026, 3, 1)) as ctx:  # the next run raises exactly what was not raised
        assert sum(c.amount for c in run_interest(ctx).charges if c.invoice == number) == Decimal(not_raised)


def test_the_debt_leaves_aged_debt(engine: Engine) -> None:
    number = billed(engine)
    with service_context(engine, FEB1) as ctx:
        [before] = [s for s in aged_debt(ctx).schools if s.urn == ACADEMY]
        assert before.buckets["90+"] == Decimal("1000.00")  # due 2025-10-01: 123 days past due
        write_off(ctx, number, REASON, FINANCE)
        assert [s.urn for s in aged_debt(ctx).schools if s.urn == ACADEMY] == []


def test_the_statement_says_written_off_with_the_reason(engine: Engine) -> None:
    number = billed(engine)
    with service_context(engine, FEB1) as ctx:
        write_off(ctx, number, REASON, FINANCE)
        st = school_statement(ctx, ACADEMY, with_entitlements=False)
        assert [(ln.kind, ln.reference, ln.description, ln.credit, ln.balance) for ln in st.lines][-1] == (
            "write_off", "WO-000001", f"Written off against {number}: {REASON}", Decimal("1000.00"),
            Decimal("0.00"))
        assert st.closing_balance == Decimal("0.00")


def test_the_listing_says_what_when_who_and_why(engine: Engine) -> None:
    number = billed(engine)
    with service_context(engine, FEB1, actor="clerk") as ctx:
        write_off(ctx, number, REASON, FINANCE, Decimal("250.00"))
    with service_context(engine, date(2026, 3, 2), actor="clerk") as ctx:
        write_off(ctx, number, "Balance after the dispute", FINANCE)
    with service_context(engine, date(2026, 3, 2)) as ctx:
        rows = list_write_offs(ctx)
        assert [(r.number, r.written_off, r.invoice, r.invoice_issued, r.urn, r.amount, r.vat, r.reason,
                 r.approved_by, r.recorded_by) for r in rows] == [
            # 250 × 20/120 = 41.666… → 41.67; 750 × 20/120 = 125.00
            ("WO-000001", FEB1, number, SEP1, ACADEMY, Decimal("250.00"), Decimal("41.67"), REASON, FINANCE,
             "clerk"),
            ("WO-000002", date(2026, 3, 2), number, SEP1, ACADEMY, Decimal("750.00"), Decimal("125.00"),
             "Balance after the dispute", FINANCE, "clerk"),
        ]
        assert total_written_off(rows) == Decimal("1000.00")
        assert [r.number for r in list_write_offs(ctx, start=date(2026, 3, 1))] == ["WO-000002"]
        assert [r.number for r in list_write_offs(ctx, end=FEB1)] == ["WO-000001"]
        assert list_write_offs(ctx, urn=MAINTAINED) == []
        assert rows[0].as_json()["amount"] == Decimal("250.00")
        with pytest.raises(InvalidInput):
            list_write_offs(ctx, start=date(2026, 3, 1), end=FEB1)


@pytest.mark.parametrize(("approver", "code"), [("test", "self_approval"), ("  TEST ", "self_approval")])
def test_the_recorder_cannot_approve_their_own_write_off(engine: Engine, approver: str, code: str) -> None:
    number = billed(engine)
    before = table_dump(engine)
    with pytest.raises(RuleViolation) as refused, service_context(engine, FEB1) as ctx:
        write_off(ctx, number, REASON, approver)
    assert refused.value.code == code
    assert "someone other than the person recording it" in refused.value.message
    assert table_dump(engine) == before


def test_refusals_write_nothing(engine: Engine) -> None:
    number = billed(engine)
    with service_context(engine, FEB1) as ctx:
        note = issue_credit_note(ctx, number, Decimal("10.00"), "A correction").number
        recharge = ctx.session.scalar(select(Invoice.number).where(Invoice.purpose == "recharge"))
    attempts: list[tuple[str, str | None, str, str, type[Exception], str | None]] = [
        (number, "990.01", REASON, FINANCE, RuleViolation, "write_off_exceeds_balance"),  # 990.00 outstanding
        (number, "0.00", REASON, FINANCE, InvalidInput, None),
        (number, None, "  ", FINANCE, InvalidInput, None),
        (number, None, REASON, "", InvalidInput, None),
        (note, None, REASON, FINANCE, RuleViolation, "not_an_invoice"),
        ("INV-999999", None, REASON, FINANCE, NotFound, "unknown_invoice"),
    ]
    if recharge is not None:  # settlement by journal is on for the council's maintained school
        attempts.append((recharge, None, REASON, FINANCE, RuleViolation, "recharge_not_debt"))
    before = table_dump(engine)
    for target, amount, reason, approver, error, code in attempts:
        with pytest.raises(error) as refused, service_context(engine, FEB1) as ctx:
            write_off(ctx, target, reason, approver, None if amount is None else Decimal(amount))
        if code is not None:
            assert refused.value.code == code, (target, amount)  # type: ignore[attr-defined]
    assert table_dump(engine) == before


def test_an_invoice_with_nothing_outstanding_cannot_be_written_off(engine: Engine) -> None:
    number = billed(engine, paid=Decimal("1280.00"))
    before = table_dump(engine)
    with pytest.raises(RuleViolation) as refused, service_context(engine, FEB1) as ctx:
        write_off(ctx, number, REASON, FINANCE)
    assert refused.value.code == "nothing_outstanding"
    assert table_dump(engine) == before


def test_its_pdf_is_headed_write_off_and_quotes_the_invoice(engine: Engine, tmp_path: Path) -> None:
    number = billed(engine)
    with service_context(engine, FEB1) as ctx:
        doc = write_off(ctx, number, REASON, FINANCE)
        assert to_document(doc).label == "Write-off"
        path = write_pdf(doc, tmp_path / "wo1.pdf")
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in ["WRITE-OFF", "Write-off number WO-000001", f"Corrects invoice {number}",
                     f"Write-off of the debt on invoice {number} dated 2025-09-01.", f"Reason: {REASON}",
                     "Written off: Initial subscription 2025/26, autumn", "Total written off £1,000.00",
                     "Total VAT £166.67", "It is not a VAT credit note"]:
        assert expected in text, expected
    assert "CREDIT NOTE" not in text and "Tax point" not in text  # a write-off is no supply


def test_an_invoice_closed_by_a_write_off_reads_written_off_not_paid_or_credited(engine: Engine) -> None:
    from billing.schools import get_school
    from billing.views.account import school_documents
    from billing.views.invoices import list_invoices, show_invoice
    from contracts.states import InvoiceStatus

    part_paid = billed(engine)  # 280.00 paid, then the 1,000.00 left written off: closed, but not paid
    with service_context(engine, FEB1) as ctx:
        before = [(r.number, r.status) for r in list_invoices(ctx, ACADEMY)]
        assert before == [(part_paid, InvoiceStatus.OVERDUE)]
        write_off(ctx, part_paid, REASON, FINANCE)
    with service_context(engine, FEB1) as ctx:
        assert [(r.number, r.outstanding, r.status) for r in list_invoices(ctx, ACADEMY)] == [
            (part_paid, Decimal("0.00"), InvoiceStatus.WRITTEN_OFF)]
        assert [r.number for r in list_invoices(ctx, status="written_off")] == [part_paid]
        assert list_invoices(ctx, ACADEMY, status="paid") == []
        assert show_invoice(ctx, part_paid).status == InvoiceStatus.WRITTEN_OFF
        assert [(d.number, d.status) for d in school_documents(ctx, get_school(ctx, ACADEMY))
                if d.number == part_paid] == [(part_paid, InvoiceStatus.WRITTEN_OFF)]


def test_a_written_off_invoice_with_nothing_paid_reads_written_off_not_credited(engine: Engine) -> None:
    from billing.balances import invoice_status
    from contracts.states import InvoiceStatus

    number = billed(engine, paid=None)
    with service_context(engine, FEB1) as ctx:
        write_off(ctx, number, REASON, FINANCE)
    with service_context(engine, FEB1) as ctx:
        invoice = get_invoice(ctx, number)
        # The figures not passed in: read from the database.
        assert invoice_status(invoice, Decimal("0.00"), FEB1) == InvoiceStatus.WRITTEN_OFF
