"""A school's account as the portal shows it (issue 18): balance, overdue, next payment, how to pay; its downloads."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing.documents import print_invoice
from billing.gateway.pay_page import PayPage
from billing.interest_run import run_interest
from billing.models import AuditEntry
from billing.payments import record_payment
from billing.school_downloads import document_pdf, statement_csv
from billing.statements import school_statement
from billing.views.account import BankDetails, account_view, school_documents
from contracts.states import InvoiceStatus
from pricing.errors import NotFound
from tests.billing.test_payments import make_credit_note, make_invoice, school_of, setup_ledger
from tests.support import service_context

D = Decimal
AS_OF = date(2019, 11, 15)
PAY_PAGE = PayPage("https://portal.example", b"test-key")


@pytest.fixture
def accounts(engine: Engine) -> Engine:
    with service_context(engine, date(2019, 8, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "300.00", date(2019, 8, 1), date(2019, 8, 31))        # INV-000001, paid
        late = make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000002
        make_invoice(ctx, "100002", "999.99", date(2019, 10, 1), date(2019, 10, 31))      # INV-000003, other school
        make_invoice(ctx, "100001", "1200.00", date(2019, 11, 1), date(2019, 12, 1))      # INV-000004
        make_invoice(ctx, "100001", "250.00", date(2019, 11, 10), date(2019, 12, 10))     # INV-000005
        make_invoice(ctx, "100001", "75.00", date(2019, 11, 20), date(2019, 12, 20))      # INV-000006, after as-of
        make_credit_note(ctx, late, "500.00", date(2019, 11, 5), reason="Session not delivered")  # CN-000001
    with service_context(engine, AS_OF) as ctx:
        record_payment(ctx, "100001", D("300.00"), date(2019, 8, 20), "bacs", ["INV-000001"])
        record_payment(ctx, "100001", D("50.00"), date(2019, 11, 12), "bacs", ["INV-000005"], reference="INV-000005")
        run_interest(ctx)
    return engine


def test_the_account_states_balance_overdue_next_payment_and_how_to_pay(accounts: Engine) -> None:
    with service_context(accounts, AS_OF) as ctx:
        view = account_view(ctx, school_of(ctx, "100001"))
        statement = school_statement(ctx, "100001", end=AS_OF, with_entitlements=False)
    # 300 + 4500 + 1200 + 250 (INV-000006 is issued after the as-of day) - 500 credited - 350 paid
    assert view.balance == D("5400.00") == statement.closing_balance
    assert view.overdue == D("4000.00")
    assert view.overdue_by_age == statement.overdue == {
        "0-30": D("4000.00"), "31-60": D("0.00"), "61-90": D("0.00"), "90+": D("0.00")}
    assert [(o.number, o.due, o.outstanding, o.status) for o in view.owing] == [
        ("INV-000002", date(2019, 10, 31), D("4000.00"), InvoiceStatus.OVERDUE),
        ("INV-000004", date(2019, 12, 1), D("1200.00"), InvoiceStatus.ISSUED),
        ("INV-000005", date(2019, 12, 10), D("200.00"), InvoiceStatus.ISSUED),
    ]
    assert (view.next_due, view.next_due_amount) == (date(2019, 12, 1), D("1200.00"))
    # 4500 × 5 days + 4000 × 10 days, at 24% over 365
    assert view.interest_not_invoiced == statement.interest_not_invoiced == D("41.10")
    assert view.bank == BankDetails("Example Bank plc", "Borough of Eastbury Council", "00-00-00", "12345678",
                                    "Borough of Eastbury Council", 30)
    assert view.reference == "100001"  # several invoices owing: the URN, allocated oldest first
    assert view.pay_link is None  # no card payments set up
    assert view.as_json()["next_due_amount"] == D("1200.00")


def test_one_invoice_owing_is_quoted_by_its_number_and_a_pay_link_offered(accounts: Engine) -> None:
    with service_context(accounts, AS_OF) as ctx:
        record_payment(ctx, "100001", D("4000.00"), AS_OF, "bacs", ["INV-000002"])
        record_payment(ctx, "100001", D("1200.00"), AS_OF, "bacs", ["INV-000004"])
        ctx.pay_page = PAY_PAGE
        view = account_view(ctx, school_of(ctx, "100001"))
    assert [o.number for o in view.owing] == ["INV-000005"]
    assert view.reference == "INV-000005"
    assert view.pay_link == PAY_PAGE.url("INV-000005")
    assert (view.overdue, view.balance) == (D("0.00"), D("200.00"))


def test_only_what_is_still_ahead_is_the_next_payment_and_nothing_issued_yet_owes_nothing(accounts: Engine) -> None:
    with service_context(accounts, AS_OF) as ctx:
        view = account_view(ctx, school_of(ctx, "100002"))
    assert (view.balance, view.next_due, view.next_due_amount) == (D("999.99"), None, D("0"))
    assert [o.number for o in view.owing] == ["INV-000003"]
    with service_context(accounts, date(2019, 9, 1)) as ctx:
        early = account_view(ctx, school_of(ctx, "100002"))
    assert (early.balance, early.owing, early.reference, early.overdue) == (D("0"), (), "100002", D("0"))


def test_the_schools_documents_newest_first_with_standing(accounts: Engine) -> None:
    with service_context(accounts, AS_OF) as ctx:
        ctx.pay_page = PAY_PAGE
        rows = school_documents(ctx, school_of(ctx, "100001"))
    assert [(r.number, r.kind, r.total, r.outstanding, r.status, r.corrects) for r in rows] == [
        ("INV-000005", "invoice", D("250.00"), D("200.00"), InvoiceStatus.ISSUED, None),
        ("CN-000001", "credit_note", D("500.00"), None, None, "INV-000002"),
        ("INV-000004", "invoice", D("1200.00"), D("1200.00"), InvoiceStatus.ISSUED, None),
        ("INV-000002", "invoice", D("4500.00"), D("4000.00"), InvoiceStatus.OVERDUE, None),
        ("INV-000001", "invoice", D("300.00"), D("0.00"), InvoiceStatus.PAID, None),
    ]
    assert rows[0].pay_link == PAY_PAGE.url("INV-000005")
    assert rows[1].pay_link is None and rows[-1].pay_link is None


def test_a_document_download_is_the_printed_pdf_and_audited(accounts: Engine, tmp_path: Path) -> None:
    with service_context(accounts, AS_OF, actor="portal:finance@school.example") as ctx:
        ctx.pay_page = PAY_PAGE
        download = document_pdf(ctx, school_of(ctx, "100001"), " inv-000002 ")
        print_invoice(ctx, "INV-000002", tmp_path / "printed.pdf")
    assert download.filename == "INV-000002.pdf"
    assert download.content == (tmp_path / "printed.pdf").read_bytes()
    assert download.content.startswith(b"%PDF")
    with service_context(accounts, AS_OF) as ctx:
        audited = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "portal.download")).all()
    assert [(a.actor, a.entity, a.entity_id, a.detail) for a in audited] == [
        ("portal:finance@school.example", "invoice", "INV-000002", {"urn": "100001", "format": "pdf"})]


def test_another_schools_document_is_not_found_in_the_same_words_as_none(accounts: Engine) -> None:
    with service_context(accounts, AS_OF) as ctx:
        school = school_of(ctx, "100001")
        with pytest.raises(NotFound) as theirs:
            document_pdf(ctx, school, "INV-000003")
        with pytest.raises(NotFound) as none:
            document_pdf(ctx, school, "INV-000099")
    assert str(theirs.value) == 'no invoice or credit note numbered "INV-000003"'
    assert str(none.value) == 'no invoice or credit note numbered "INV-000099"'


def test_the_statement_csv_has_opening_lines_and_closing(accounts: Engine) -> None:
    with service_context(accounts, AS_OF) as ctx:
        download = statement_csv(ctx, school_of(ctx, "100001"), date(2019, 9, 1), AS_OF)
    assert download.filename == "statement-100001-2019-09-01-2019-11-15.csv"
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8"))))
    assert rows == [
        ["date", "kind", "reference", "description", "debit", "credit", "balance"],
        ["2019-09-01", "opening_balance", "", "Opening balance", "", "", "0.00"],
        ["2019-10-01", "invoice", "INV-000002", "Work; due 2019-10-31", "4500.00", "", "4500.00"],
        ["2019-11-01", "invoice", "INV-000004", "Work; due 2019-12-01", "1200.00", "", "5700.00"],
        ["2019-11-05", "credit_note", "CN-000001", "Credit note against INV-000002: Session not delivered", "",
         "500.00", "5200.00"],
        ["2019-11-10", "invoice", "INV-000005", "Work; due 2019-12-10", "250.00", "", "5450.00"],
        ["2019-11-12", "payment", "PAY-2", "Payment by BACS (INV-000005)", "", "50.00", "5400.00"],
        ["2019-11-15", "closing_balance", "", "Closing balance", "", "", "5400.00"],
    ]
